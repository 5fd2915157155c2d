let url = "http://:%3A%40c@proxy.corp.internal/";
