package com.amazonaws.services.lambda.runtime;

/** The calling application of a client context (aws-lambda-java-core). */
public interface Client {
    String getInstallationId();

    String getAppTitle();

    String getAppVersionName();

    String getAppVersionCode();

    String getAppPackageName();
}
