sonar-scanner -Dsonar.host.url=https://sonarcloud.io -Dsonar.login=9f4c2e71b0d85a36c4e19b7d02fa6538c1e7d940
