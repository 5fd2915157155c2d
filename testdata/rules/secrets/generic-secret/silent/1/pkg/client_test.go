	const apiToken = "ePCUg1AeWyKPAIvS857M49VDtR" // gitleaks:allow
