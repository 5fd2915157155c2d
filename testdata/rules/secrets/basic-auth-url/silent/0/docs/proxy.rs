let proxy = "http://deploy:Wint3rIsC0ming@proxy.example.com:3128";
