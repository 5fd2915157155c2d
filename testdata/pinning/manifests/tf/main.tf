terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.0"
    }
  }
}

module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.13.0"
}

module "git_branch" {
  source = "git::https://github.com/o/m.git?ref=main"
}

module "git_sha" {
  source = "git::https://github.com/o/m.git?ref=3f2c1e9d8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e"
}

module "local" {
  source = "./modules/x"
}
