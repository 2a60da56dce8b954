package com.amazonaws.services.lambda.runtime;

/**
 * aws-lambda-java-core's static access to the function's logger (for code
 * that has no Context at hand, such as logging frameworks' appenders).
 */
public final class LambdaRuntime {
    private LambdaRuntime() {
    }

    private static volatile LambdaLogger logger = new LambdaLogger() {
        public void log(String message) {
            System.out.print(message);
        }

        public void log(byte[] message) {
            System.out.write(message, 0, message.length);
        }
    };

    public static LambdaLogger getLogger() {
        return logger;
    }
}
