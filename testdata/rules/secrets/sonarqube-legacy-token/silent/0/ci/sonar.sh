sonar-scanner -Dsonar.login=$(SONAR_LOGIN)
