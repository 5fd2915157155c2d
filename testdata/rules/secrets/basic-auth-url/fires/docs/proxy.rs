let proxy = "http://deploy:Wint3rIsC0ming@proxy.corp.internal:3128";
