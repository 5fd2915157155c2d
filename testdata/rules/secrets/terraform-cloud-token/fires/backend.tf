  token = "9B5SESw9L3IaEh.atlas~~v1.wmO5f-vY3JgwXge0ugJH8bpB48rX7pd3La0zRdvuw-uQcbiOERz1J86qts3oW9CUyvO"
