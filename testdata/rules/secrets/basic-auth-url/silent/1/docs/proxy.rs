let proxy = "http://Aladdin:opensesame@proxy.corp.internal:3128";
