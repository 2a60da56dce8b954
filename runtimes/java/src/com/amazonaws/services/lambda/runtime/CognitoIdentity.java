package com.amazonaws.services.lambda.runtime;

/** The Amazon Cognito identity of a mobile SDK caller (aws-lambda-java-core). */
public interface CognitoIdentity {
    String getIdentityId();

    String getIdentityPoolId();
}
