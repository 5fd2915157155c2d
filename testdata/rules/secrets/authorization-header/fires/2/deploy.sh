curl --header "X-Auth-Token: ePCUg1AeWyKPAIvS857M49VDtR" https://api.internal
