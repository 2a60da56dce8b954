package kumo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.Client;
import com.amazonaws.services.lambda.runtime.ClientContext;
import com.amazonaws.services.lambda.runtime.CognitoIdentity;
import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaLogger;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The Context of one invocation, from the Runtime API's headers and the EE's environment. */
final class LambdaContext implements Context {
    private static final String FUNCTION_NAME = System.getenv("AWS_LAMBDA_FUNCTION_NAME");
    private static final String FUNCTION_VERSION = System.getenv("AWS_LAMBDA_FUNCTION_VERSION");
    private static final String LOG_GROUP = System.getenv("AWS_LAMBDA_LOG_GROUP_NAME");
    private static final String LOG_STREAM = System.getenv("AWS_LAMBDA_LOG_STREAM_NAME");
    private static final int MEMORY_MB = parseInt(System.getenv("AWS_LAMBDA_FUNCTION_MEMORY_SIZE"));

    private final String requestId;
    private final String functionArn;
    private final long deadlineMs;
    private final CognitoIdentity identity;
    private final ClientContext clientContext;
    private final LambdaLogger logger;

    LambdaContext(RuntimeApi.Invocation inv, LambdaLogger logger) {
        this.requestId = inv.header("Lambda-Runtime-Aws-Request-Id");
        this.functionArn = inv.header("Lambda-Runtime-Invoked-Function-Arn");
        this.deadlineMs = parseLong(inv.header("Lambda-Runtime-Deadline-Ms"));
        this.identity = identity(inv.header("Lambda-Runtime-Cognito-Identity"));
        this.clientContext = clientContext(inv.header("Lambda-Runtime-Client-Context"));
        this.logger = logger;
    }

    private static int parseInt(String s) {
        try {
            return Integer.parseInt(s);
        } catch (Exception e) {
            return 0;
        }
    }

    private static long parseLong(String s) {
        try {
            return Long.parseLong(s);
        } catch (Exception e) {
            return 0;
        }
    }

    private static Map<?, ?> jsonObject(String header) {
        if (header == null || header.isEmpty()) return null;
        try {
            Object v = Json.parse(header);
            return v instanceof Map ? (Map<?, ?>) v : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String str(Map<?, ?> m, String k) {
        Object v = m == null ? null : m.get(k);
        return v == null ? null : v.toString();
    }

    private static Map<String, String> strings(Object v) {
        if (!(v instanceof Map)) return null;
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put(String.valueOf(e.getKey()), e.getValue() == null ? null : e.getValue().toString());
        return Collections.unmodifiableMap(out);
    }

    /** AWS: an identity object is always there; its ids are null without a Cognito caller. */
    private static CognitoIdentity identity(String header) {
        Map<?, ?> m = jsonObject(header);
        String id = str(m, "cognitoIdentityId");
        String pool = str(m, "cognitoIdentityPoolId");
        return new CognitoIdentity() {
            public String getIdentityId() {
                return id;
            }

            public String getIdentityPoolId() {
                return pool;
            }
        };
    }

    private static ClientContext clientContext(String header) {
        Map<?, ?> m = jsonObject(header);
        if (m == null) return null;
        Map<?, ?> c = m.get("client") instanceof Map ? (Map<?, ?>) m.get("client") : null;
        Client client = c == null ? null : new Client() {
            public String getInstallationId() {
                return str(c, "installation_id");
            }

            public String getAppTitle() {
                return str(c, "app_title");
            }

            public String getAppVersionName() {
                return str(c, "app_version_name");
            }

            public String getAppVersionCode() {
                return str(c, "app_version_code");
            }

            public String getAppPackageName() {
                return str(c, "app_package_name");
            }
        };
        Map<String, String> custom = strings(m.get("custom"));
        Map<String, String> env = strings(m.get("env"));
        return new ClientContext() {
            public Client getClient() {
                return client;
            }

            public Map<String, String> getCustom() {
                return custom;
            }

            public Map<String, String> getEnvironment() {
                return env;
            }
        };
    }

    public String getAwsRequestId() {
        return requestId;
    }

    public String getLogGroupName() {
        return LOG_GROUP;
    }

    public String getLogStreamName() {
        return LOG_STREAM;
    }

    public String getFunctionName() {
        return FUNCTION_NAME;
    }

    public String getFunctionVersion() {
        return FUNCTION_VERSION;
    }

    public String getInvokedFunctionArn() {
        return functionArn;
    }

    public CognitoIdentity getIdentity() {
        return identity;
    }

    public ClientContext getClientContext() {
        return clientContext;
    }

    public int getRemainingTimeInMillis() {
        long left = deadlineMs - System.currentTimeMillis();
        return left > 0 ? (int) Math.min(left, Integer.MAX_VALUE) : 0;
    }

    public int getMemoryLimitInMB() {
        return MEMORY_MB;
    }

    public LambdaLogger getLogger() {
        return logger;
    }
}
