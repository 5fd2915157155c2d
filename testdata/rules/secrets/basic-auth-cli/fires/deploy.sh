curl -u admin:e-2qgxo~5E~aGUHsmKbe https://jenkins.internal/job/build
