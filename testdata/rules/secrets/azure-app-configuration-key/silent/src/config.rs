az appconfig kv list --connection-string "Endpoint=https://contoso.az~~config.io;Id=xxx;Secret=xxx"
