	const apiToken = "ePCUg1AeWyKPAIvS857M49VDtR" // #nosec G101 -- test fixture
