process.stdout.write('::error::ai-deploy is six actions: use org/ai-deploy/<action>@v1 with one of ' + "build-image, model-validate, canary-deploy, monitor-canary, auto-rollback, promote" + '.\n');
process.exitCode = 1;
