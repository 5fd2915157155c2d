curl -H 'Authorization: Bearer mFP6S_PbTndAGhMX4pQXoyS5jgXRvTfCPZnAnpMk' https://api.internal
