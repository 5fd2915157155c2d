curl -u admin:$JENKINS_TOKEN https://jenkins.internal/job/build
