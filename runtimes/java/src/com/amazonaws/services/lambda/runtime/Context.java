package com.amazonaws.services.lambda.runtime;

/**
 * The invocation context a handler receives: the interface of AWS's
 * aws-lambda-java-core (same package, names and signatures), written for Kumo's
 * Java runtime, which implements it. A function compiled against AWS's jar
 * links against this one: the runtime loads it ahead of any copy the
 * function's jar bundles (the function's class loader is a child of the runtime's).
 */
public interface Context {
    String getAwsRequestId();

    String getLogGroupName();

    String getLogStreamName();

    String getFunctionName();

    String getFunctionVersion();

    String getInvokedFunctionArn();

    CognitoIdentity getIdentity();

    ClientContext getClientContext();

    int getRemainingTimeInMillis();

    int getMemoryLimitInMB();

    LambdaLogger getLogger();
}
