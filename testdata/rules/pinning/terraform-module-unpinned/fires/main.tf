module "network" {
  source = "git::https://github.com/o/m.git?ref=main"
}
