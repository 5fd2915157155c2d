pub const APP_CONFIG: &str = "Endpoint=https://shop-prod.az~~config.io;Id=Xk3q-l0-s0:Vh2pQr8sT5uW7yZ1aB3c;Secret=Qm7tR2vX9kLp4sN8wZ1cF6hJ3dG5bY0eA2iU7oK9rT4=";
