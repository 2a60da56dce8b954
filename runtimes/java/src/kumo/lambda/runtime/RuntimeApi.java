package kumo.lambda.runtime;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URL;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The Runtime API client (2018-06-01). HttpURLConnection keeps one keep-alive
 * connection to the API and reuses it for every call; it starts far faster than
 * java.net.http.HttpClient, which matters on a cold start.
 */
final class RuntimeApi {
    static final String ERROR_TYPE_HEADER = "Lambda-Runtime-Function-Error-Type";
    private final String base;

    RuntimeApi(String address) {
        this.base = "http://" + address + "/2018-06-01/runtime/";
    }

    static final class Invocation {
        final Map<String, java.util.List<String>> headers;
        final byte[] body;

        Invocation(Map<String, java.util.List<String>> headers, byte[] body) {
            this.headers = headers;
            this.body = body;
        }

        String header(String name) {
            for (Map.Entry<String, java.util.List<String>> e : headers.entrySet()) {
                if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) return e.getValue().get(0);
            }
            return null;
        }
    }

    Invocation next() throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + "invocation/next").openConnection();
        c.setReadTimeout(0); // a long poll: the next event may be hours away
        int status = c.getResponseCode();
        byte[] body = readAll(status >= 400 ? c.getErrorStream() : c.getInputStream());
        if (status != 200) throw new IOException("next invocation failed with HTTP " + status + ": " + new String(body, StandardCharsets.UTF_8));
        return new Invocation(c.getHeaderFields(), body);
    }

    void postResponse(String requestId, byte[] body) throws IOException {
        post("invocation/" + encode(requestId) + "/response", body, null);
    }

    void postError(String requestId, byte[] body, String errorType) throws IOException {
        post("invocation/" + encode(requestId) + "/error", body, errorType);
    }

    void postInitError(byte[] body, String errorType) throws IOException {
        post("init/error", body, errorType);
    }

    private void post(String path, byte[] body, String errorType) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(base + path).openConnection();
        c.setRequestMethod("POST");
        c.setDoOutput(true);
        c.setFixedLengthStreamingMode(body.length);
        c.setRequestProperty("Content-Type", "application/json");
        if (errorType != null) c.setRequestProperty(ERROR_TYPE_HEADER, headerSafe(errorType));
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        int status = c.getResponseCode();
        readAll(status >= 400 ? c.getErrorStream() : c.getInputStream()); // drained, so the connection is reused
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** Header values must be visible ASCII; an odd exception class name must not break the post. */
    private static String headerSafe(String s) {
        StringBuilder b = new StringBuilder();
        for (char ch : s.toCharArray()) if (ch >= 0x20 && ch < 0x7f) b.append(ch);
        return b.toString();
    }

    static byte[] readAll(InputStream in) throws IOException {
        if (in == null) return new byte[0];
        try (InputStream i = in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            byte[] buf = new byte[8192];
            for (int n; (n = i.read(buf)) > 0;) out.write(buf, 0, n);
            return out.toByteArray();
        }
    }
}
