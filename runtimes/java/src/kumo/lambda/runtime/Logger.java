package kumo.lambda.runtime;

import com.amazonaws.services.lambda.runtime.LambdaLogger;
import com.amazonaws.services.lambda.runtime.logging.LogLevel;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * The function's LambdaLogger. AWS makes one log event of each call, new lines
 * included; the platform splits stdout at LF, so interior LFs become CR (what
 * AWS's runtimes do when they write to stdout) and each event ends with LF.
 * LoggingConfig: AWS_LAMBDA_LOG_FORMAT=JSON gives AWS's Java JSON record
 * (timestamp, level, message, AWSRequestId); AWS_LAMBDA_LOG_LEVEL drops calls
 * of a lower level (TEXT keeps everything, as AWS does).
 */
final class Logger implements LambdaLogger {
    private final PrintStream out;
    private final boolean json;
    private final LogLevel minLevel;
    volatile String requestId;

    Logger(PrintStream out) {
        this.out = out;
        this.json = "JSON".equalsIgnoreCase(System.getenv("AWS_LAMBDA_LOG_FORMAT"));
        LogLevel min = LogLevel.UNDEFINED;
        String level = System.getenv("AWS_LAMBDA_LOG_LEVEL");
        if (json && level != null) {
            try {
                min = LogLevel.fromString(level);
            } catch (IllegalArgumentException e) {
                min = LogLevel.UNDEFINED;
            }
        }
        this.minLevel = min;
    }

    @Override
    public void log(String message) {
        log(message, LogLevel.UNDEFINED);
    }

    @Override
    public void log(byte[] message) {
        log(new String(message, StandardCharsets.UTF_8), LogLevel.UNDEFINED);
    }

    @Override
    public void log(byte[] message, LogLevel level) {
        log(new String(message, StandardCharsets.UTF_8), level);
    }

    @Override
    public void log(String message, LogLevel level) {
        if (level != LogLevel.UNDEFINED && level.ordinal() < minLevel.ordinal()) return;
        String text = String.valueOf(message);
        String line;
        if (json) {
            StringBuilder b = new StringBuilder("{\"timestamp\":");
            Json.quote(b, Instant.now().toString());
            b.append(",\"level\":");
            Json.quote(b, (level == LogLevel.UNDEFINED ? LogLevel.INFO : level).name());
            b.append(",\"message\":");
            Json.quote(b, text);
            if (requestId != null) {
                b.append(",\"AWSRequestId\":");
                Json.quote(b, requestId);
            }
            line = b.append('}').toString();
        } else {
            if (text.endsWith("\n")) text = text.substring(0, text.length() - 1);
            line = text.replace('\n', '\r');
        }
        synchronized (out) {
            out.print(line + "\n");
            out.flush();
        }
    }
}
