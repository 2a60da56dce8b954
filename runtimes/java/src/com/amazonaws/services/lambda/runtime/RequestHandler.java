package com.amazonaws.services.lambda.runtime;

/** A handler whose input and output the runtime maps from and to JSON (aws-lambda-java-core). */
public interface RequestHandler<I, O> {
    O handleRequest(I input, Context context);
}
