variable "REGISTRY" {
  default = "docker.io/acme"
}
target "batch" {
  context = "batch"
  tags = ["${REGISTRY}/batch:latest"]
}
