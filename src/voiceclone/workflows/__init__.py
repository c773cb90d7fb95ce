"""Step Functions workflows: the state-machine definitions (one source for CDK and local runs), the
orchestration steps their Lambdas run, and starting/stopping executions (`starter`)."""
