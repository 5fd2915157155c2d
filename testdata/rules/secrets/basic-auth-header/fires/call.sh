curl -H 'Authorization: Basic VhewcpSMf4xsT5WkvCi/GPUAyIpqJTwR=' https://api.internal
