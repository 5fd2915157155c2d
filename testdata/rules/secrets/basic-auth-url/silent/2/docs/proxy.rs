let url = "http://foo:%F0%9F%92%A9@proxy.corp.internal/bar";
