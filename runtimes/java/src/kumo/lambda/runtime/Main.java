package kumo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.LambdaRuntime;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Type;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Kumo's Java runtime (java17): started by runtimes/java/bootstrap.sh with the
 * JVM flags AWS sets, loads the handler named by _HANDLER once, then loops
 * over the Runtime API: next → handler → response or error.
 *
 * Handlers, as AWS documents them: `package.Class::method` or `package.Class`
 * (method handleRequest); a RequestHandler<I, O> (I and O mapped from and to
 * JSON), a RequestStreamHandler, or any public method taking (I), (I, Context),
 * (InputStream, OutputStream) or (InputStream, OutputStream, Context). The
 * function's classes come from the task root (a jar is unpacked there, as
 * AWS does), its lib/*.jar and layers' /opt/java/lib/*.jar, through a class
 * loader whose parent holds this runtime: parent-first, so the
 * aws-lambda-java-core interfaces are this runtime's even when the
 * function's jar bundles its own copy.
 */
public final class Main {
    private static final String RUNTIME_PACKAGE = Main.class.getPackageName() + ".";

    private enum Kind { STREAM, POJO }

    private Kind kind;
    private Method method;
    private Object instance;
    private Type inputType;
    private int arity;
    private final Logger logger = new Logger(System.out);
    private final RuntimeApi api = new RuntimeApi(envOr("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001"));

    public static void main(String[] args) throws Exception {
        new Main().run();
    }

    private static String envOr(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }

    private void run() throws Exception {
        try {
            installLogger();
            load(envOr("_HANDLER", ""));
        } catch (Throwable t) {
            Throwable e = unwrap(t);
            String body = errorJson(e, true);
            System.out.println(body);
            System.out.flush();
            api.postInitError(body.getBytes(StandardCharsets.UTF_8), e.getClass().getName());
            System.exit(1);
        }
        for (;;) invoke(api.next());
    }

    /** LambdaRuntime.getLogger() answers this runtime's logger, as on AWS. */
    private void installLogger() throws ReflectiveOperationException {
        Field f = LambdaRuntime.class.getDeclaredField("logger");
        f.setAccessible(true);
        f.set(null, logger);
    }

    // -----------------------------------------------------------------------
    // Loading
    // -----------------------------------------------------------------------

    private static ClassLoader functionLoader() throws Exception {
        List<URL> urls = new ArrayList<>();
        File task = new File(envOr("LAMBDA_TASK_ROOT", "/var/task"));
        urls.add(task.toURI().toURL());
        addJars(urls, new File(task, "lib"));
        addJars(urls, new File("/opt/java/lib"));
        return new URLClassLoader(urls.toArray(new URL[0]), Main.class.getClassLoader());
    }

    private static void addJars(List<URL> urls, File dir) throws Exception {
        File[] jars = dir.listFiles((d, n) -> n.endsWith(".jar"));
        if (jars == null) return;
        Arrays.sort(jars);
        for (File j : jars) urls.add(j.toURI().toURL());
    }

    private void load(String handler) throws Exception {
        int sep = handler.indexOf("::");
        String className = sep < 0 ? handler : handler.substring(0, sep);
        String methodName = sep < 0 ? "handleRequest" : handler.substring(sep + 2);
        ClassLoader loader = functionLoader();
        Thread.currentThread().setContextClassLoader(loader);
        Class<?> cls;
        try {
            cls = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new ClassNotFoundException("Class not found: " + className, e);
        }
        if ("handleRequest".equals(methodName) && RequestStreamHandler.class.isAssignableFrom(cls)) {
            method = RequestStreamHandler.class.getMethod("handleRequest", InputStream.class, OutputStream.class, Context.class);
            kind = Kind.STREAM;
            arity = 3;
        } else {
            method = pick(cls, methodName);
            Class<?>[] p = method.getParameterTypes();
            arity = p.length;
            kind = p.length >= 2 && p[0] == InputStream.class && p[1] == OutputStream.class ? Kind.STREAM : Kind.POJO;
            inputType = p.length >= 1 && p[0] != Context.class ? method.getGenericParameterTypes()[0] : null;
        }
        method.setAccessible(true);
        if (!Modifier.isStatic(method.getModifiers())) {
            instance = cls.getDeclaredConstructor().newInstance();
        }
    }

    /**
     * The handler method: public, named `name`, not a compiler bridge (a
     * RequestHandler<Order, Receipt> has a bridge handleRequest(Object, Context)
     * whose parameter type says nothing), most parameters first.
     */
    private static Method pick(Class<?> cls, String name) throws NoSuchMethodException {
        List<Method> candidates = new ArrayList<>();
        for (Method m : cls.getMethods()) {
            if (!m.getName().equals(name) || m.isBridge() || !shapeOk(m.getParameterTypes())) continue;
            candidates.add(m);
        }
        if (candidates.isEmpty()) {
            throw new NoSuchMethodException("No public method named " + name + " with appropriate method signature found on class " + cls.getName());
        }
        candidates.sort(Comparator.comparingInt((Method m) -> -m.getParameterCount())
            .thenComparing((Method m) -> m.getParameterTypes().length > 0 && m.getParameterTypes()[0] == Object.class ? 1 : 0));
        return candidates.get(0);
    }

    private static boolean shapeOk(Class<?>[] p) {
        switch (p.length) {
            case 0: return true;
            case 1: return true;
            case 2: return p[1] == Context.class || (p[0] == InputStream.class && p[1] == OutputStream.class);
            case 3: return p[0] == InputStream.class && p[1] == OutputStream.class && p[2] == Context.class;
            default: return false;
        }
    }

    // -----------------------------------------------------------------------
    // Invoking
    // -----------------------------------------------------------------------

    private void invoke(RuntimeApi.Invocation inv) throws Exception {
        LambdaContext context = new LambdaContext(inv, logger);
        String requestId = context.getAwsRequestId();
        logger.requestId = requestId;
        String trace = inv.header("Lambda-Runtime-Trace-Id");
        // AWS's Java runtime hands the X-Ray trace header to the SDK this way.
        if (trace != null) System.setProperty("com.amazonaws.xray.traceHeader", trace);
        else System.clearProperty("com.amazonaws.xray.traceHeader");

        byte[] result;
        try {
            result = kind == Kind.STREAM ? stream(inv.body, context) : pojo(inv.body, context);
        } catch (Throwable t) {
            Throwable e = unwrap(t);
            String body = errorJson(e, false);
            System.out.flush();
            System.err.flush();
            // AWS: the error document appears in the invocation log and, for a synchronous invoke, in the output.
            System.out.println(body);
            System.out.flush();
            api.postError(requestId, body.getBytes(StandardCharsets.UTF_8), e.getClass().getName());
            if (e instanceof VirtualMachineError) System.exit(1); // the JVM cannot be trusted after OutOfMemoryError and kin
            return;
        }
        System.out.flush();
        System.err.flush();
        api.postResponse(requestId, result);
    }

    private byte[] stream(byte[] body, Context context) throws Throwable {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = new ByteArrayInputStream(body);
        Object[] args = arity == 3 ? new Object[] {in, out, context} : new Object[] {in, out};
        method.invoke(instance, args);
        return out.toByteArray();
    }

    private byte[] pojo(byte[] body, Context context) throws Throwable {
        Object input = null;
        if (inputType != null) {
            try {
                input = Json.convert(Json.parse(new String(body, StandardCharsets.UTF_8)), inputType);
            } catch (RuntimeException e) {
                throw new JsonParsingError(e);
            }
        }
        Object[] args;
        if (arity == 0) args = new Object[0];
        else if (arity == 1) args = new Object[] {inputType == null ? context : input};
        else args = new Object[] {input, context};
        Object out = method.invoke(instance, args);
        try {
            return Json.write(out).getBytes(StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new RuntimeException("An error occurred during JSON serialization of response", e);
        }
    }

    /** AWS's message when the event does not map onto the handler's input type. */
    private static final class JsonParsingError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        JsonParsingError(Throwable cause) {
            super("An error occurred during JSON parsing", cause);
        }
    }

    private static Throwable unwrap(Throwable t) {
        for (;;) {
            if (t instanceof InvocationTargetException && t.getCause() != null) t = t.getCause();
            else if (t instanceof ExceptionInInitializerError && t.getCause() != null) t = t.getCause();
            else return t;
        }
    }

    // -----------------------------------------------------------------------
    // AWS's error document: errorMessage, errorType, stackTrace ("pkg.Class.method(File.java:12)"), cause
    // -----------------------------------------------------------------------

    static String errorJson(Throwable e, boolean init) {
        StringBuilder b = new StringBuilder();
        error(b, e, init, 0);
        return b.toString();
    }

    private static void error(StringBuilder b, Throwable e, boolean init, int depth) {
        boolean ours = e instanceof JsonParsingError;
        b.append('{');
        if (e.getMessage() != null) {
            b.append("\"errorMessage\":");
            Json.quote(b, e.getMessage());
            b.append(',');
        }
        b.append("\"errorType\":");
        Json.quote(b, ours ? RuntimeException.class.getName() : e.getClass().getName());
        b.append(",\"stackTrace\":[");
        boolean first = true;
        if (!ours) {
            for (StackTraceElement f : userFrames(e.getStackTrace())) {
                if (!first) b.append(',');
                first = false;
                Json.quote(b, frame(f));
            }
        }
        b.append(']');
        Throwable cause = e.getCause();
        if (cause != null && cause != e && depth < 20 && !(e instanceof ClassNotFoundException && init)) {
            b.append(",\"cause\":");
            error(b, cause, init, depth + 1);
        }
        b.append('}');
    }

    /** The function's frames: everything below the runtime's own call (the runtime and the reflection that called the handler are left out). */
    private static List<StackTraceElement> userFrames(StackTraceElement[] all) {
        int end = all.length;
        for (int k = 0; k < all.length; k++) {
            if (all[k].getClassName().startsWith(RUNTIME_PACKAGE)) {
                end = k;
                break;
            }
        }
        while (end > 0 && isReflection(all[end - 1].getClassName())) end--;
        return Arrays.asList(all).subList(0, end);
    }

    private static boolean isReflection(String cls) {
        return cls.startsWith("jdk.internal.reflect.") || cls.startsWith("java.lang.reflect.") || cls.startsWith("java.lang.invoke.");
    }

    private static String frame(StackTraceElement f) {
        String where;
        if (f.isNativeMethod()) where = "Native Method";
        else if (f.getFileName() == null) where = "Unknown Source";
        else if (f.getLineNumber() >= 0) where = f.getFileName() + ":" + f.getLineNumber();
        else where = f.getFileName();
        return f.getClassName() + "." + f.getMethodName() + "(" + where + ")";
    }
}
