module "network" {
  source = "git::https://github.com/o/m.git?ref=3f2c1e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
}
