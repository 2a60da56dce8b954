package kumo.lambda.runtime;

import java.lang.reflect.Array;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON mapping of RequestHandler inputs and outputs: what AWS's runtime
 * does with its (shaded) Jackson, for the types handlers use. Kumo carries its
 * own because a Jackson on the runtime's class path would be seen by the
 * function's classes ahead of the Jackson its jar bundles (parent-first
 * loading, which the aws-lambda-java-core interfaces need), and AWS hides its
 * copy for the same reason.
 *
 * Reading: JSON → String, boxed and primitive numbers, boolean, BigDecimal,
 * BigInteger, enums (by name), Map<String,V>, List/Set/Collection<V>, arrays,
 * Object (maps, lists, strings, Integer/Long/BigInteger or Double), and beans
 * (public no-argument constructor; properties through setters or public fields;
 * unknown properties ignored and a single value accepted as a one-element
 * array, as AWS configures Jackson). Writing: the same types, beans through
 * getters (`getX`/`isX`) and public fields, null properties left out (AWS's
 * NON_NULL inclusion).
 */
final class Json {
    private Json() {
    }

    // -----------------------------------------------------------------------
    // Parsing into plain values
    // -----------------------------------------------------------------------

    static Object parse(String text) {
        Parser p = new Parser(text);
        p.ws();
        Object v = p.value();
        p.ws();
        if (p.i != text.length()) throw p.error("Unexpected character ('" + text.charAt(p.i) + "')");
        return v;
    }

    private static final class Parser {
        final String s;
        int i;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String msg) {
            return new IllegalArgumentException(msg + " at position " + i);
        }

        void ws() {
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r') i++;
                else break;
            }
        }

        Object value() {
            if (i >= s.length()) throw error("Unexpected end-of-input");
            char c = s.charAt(i);
            switch (c) {
                case '{': return object();
                case '[': return array();
                case '"': return string();
                case 't': return literal("true", Boolean.TRUE);
                case 'f': return literal("false", Boolean.FALSE);
                case 'n': return literal("null", null);
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) return number();
                    throw error("Unexpected character ('" + c + "')");
            }
        }

        Object literal(String word, Object v) {
            if (!s.startsWith(word, i)) throw error("Unrecognized token");
            i += word.length();
            return v;
        }

        Map<String, Object> object() {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == '}') {
                i++;
                return m;
            }
            for (;;) {
                ws();
                if (i >= s.length() || s.charAt(i) != '"') throw error("Expected a field name");
                String k = string();
                ws();
                if (i >= s.length() || s.charAt(i) != ':') throw error("Expected ':'");
                i++;
                ws();
                m.put(k, value());
                ws();
                if (i >= s.length()) throw error("Unexpected end-of-input");
                char c = s.charAt(i++);
                if (c == '}') return m;
                if (c != ',') throw error("Expected ',' or '}'");
            }
        }

        List<Object> array() {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (i < s.length() && s.charAt(i) == ']') {
                i++;
                return l;
            }
            for (;;) {
                ws();
                l.add(value());
                ws();
                if (i >= s.length()) throw error("Unexpected end-of-input");
                char c = s.charAt(i++);
                if (c == ']') return l;
                if (c != ',') throw error("Expected ',' or ']'");
            }
        }

        String string() {
            StringBuilder b = new StringBuilder();
            i++;
            for (;;) {
                if (i >= s.length()) throw error("Unexpected end-of-input in a string");
                char c = s.charAt(i++);
                if (c == '"') return b.toString();
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) throw error("Unexpected end-of-input in a string");
                char e = s.charAt(i++);
                switch (e) {
                    case '"': b.append('"'); break;
                    case '\\': b.append('\\'); break;
                    case '/': b.append('/'); break;
                    case 'b': b.append('\b'); break;
                    case 'f': b.append('\f'); break;
                    case 'n': b.append('\n'); break;
                    case 'r': b.append('\r'); break;
                    case 't': b.append('\t'); break;
                    case 'u':
                        if (i + 4 > s.length()) throw error("Bad unicode escape");
                        b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                        break;
                    default: throw error("Unrecognized character escape '" + e + "'");
                }
            }
        }

        Object number() {
            int start = i;
            if (s.charAt(i) == '-') i++;
            boolean fraction = false;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c >= '0' && c <= '9') i++;
                else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    fraction = true;
                    i++;
                } else break;
            }
            String t = s.substring(start, i);
            try {
                if (fraction) return Double.valueOf(t);
                BigInteger big = new BigInteger(t);
                if (big.bitLength() < 32) return big.intValue();
                if (big.bitLength() < 64) return big.longValue();
                return big;
            } catch (NumberFormatException e) {
                throw error("Malformed number '" + t + "'");
            }
        }
    }

    // -----------------------------------------------------------------------
    // Plain values → typed values
    // -----------------------------------------------------------------------

    static Object convert(Object v, Type type) throws ReflectiveOperationException {
        Class<?> raw = rawClass(type);
        if (v == null) {
            if (raw.isPrimitive()) return defaultPrimitive(raw);
            return null;
        }
        if (raw == Object.class) return v;
        if (raw == String.class) {
            if (v instanceof Map || v instanceof List) throw new IllegalArgumentException("Cannot deserialize value of type `java.lang.String` from " + (v instanceof Map ? "Object" : "Array") + " value");
            return v.toString();
        }
        if (raw == boolean.class || raw == Boolean.class) {
            if (v instanceof Boolean) return v;
            if (v instanceof String) return Boolean.valueOf((String) v);
            throw mismatch(raw, v);
        }
        if (raw.isPrimitive() || Number.class.isAssignableFrom(raw)) return number(v, raw);
        if (raw == char.class || raw == Character.class) {
            String t = v.toString();
            if (t.length() != 1) throw mismatch(raw, v);
            return t.charAt(0);
        }
        if (raw.isEnum()) {
            for (Object c : raw.getEnumConstants()) if (((Enum<?>) c).name().equals(v.toString())) return c;
            throw new IllegalArgumentException("Cannot deserialize value of type `" + raw.getName() + "` from String \"" + v + "\": not one of the values accepted for Enum class");
        }
        if (Map.class.isAssignableFrom(raw)) {
            if (!(v instanceof Map)) throw mismatch(raw, v);
            Type valueType = typeArg(type, 1);
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) out.put((String) e.getKey(), convert(e.getValue(), valueType));
            return out;
        }
        if (Collection.class.isAssignableFrom(raw) || raw.isArray()) {
            List<?> items = v instanceof List ? (List<?>) v : List.of(v); // ACCEPT_SINGLE_VALUE_AS_ARRAY
            Type itemType = raw.isArray() ? componentType(type) : typeArg(type, 0);
            if (raw.isArray()) {
                Object arr = Array.newInstance(rawClass(itemType), items.size());
                for (int k = 0; k < items.size(); k++) Array.set(arr, k, convert(items.get(k), itemType));
                return arr;
            }
            Collection<Object> out = Set.class.isAssignableFrom(raw) ? new LinkedHashSet<>() : new ArrayList<>();
            for (Object item : items) out.add(convert(item, itemType));
            return out;
        }
        if (!(v instanceof Map)) throw mismatch(raw, v);
        return bean((Map<?, ?>) v, raw);
    }

    private static IllegalArgumentException mismatch(Class<?> raw, Object v) {
        String what = v instanceof Map ? "Object value" : v instanceof List ? "Array value" : v instanceof String ? "String \"" + v + "\"" : v.getClass().getSimpleName() + " value (" + v + ")";
        return new IllegalArgumentException("Cannot deserialize value of type `" + raw.getName() + "` from " + what);
    }

    private static Object defaultPrimitive(Class<?> c) {
        if (c == boolean.class) return false;
        if (c == char.class) return '\0';
        return number(0, c);
    }

    private static Object number(Object v, Class<?> c) {
        BigDecimal d;
        if (v instanceof Number) d = new BigDecimal(v.toString());
        else if (v instanceof String) {
            try {
                d = new BigDecimal(((String) v).trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Cannot deserialize value of type `" + c.getName() + "` from String \"" + v + "\": not a valid representation");
            }
        } else throw mismatch(c, v);
        if (c == int.class || c == Integer.class) return d.intValue();
        if (c == long.class || c == Long.class) return d.longValue();
        if (c == double.class || c == Double.class) return d.doubleValue();
        if (c == float.class || c == Float.class) return d.floatValue();
        if (c == short.class || c == Short.class) return d.shortValue();
        if (c == byte.class || c == Byte.class) return d.byteValue();
        if (c == BigDecimal.class) return d;
        if (c == BigInteger.class) return d.toBigInteger();
        if (c == Number.class) return v instanceof Number ? v : d;
        throw mismatch(c, v);
    }

    private static Object bean(Map<?, ?> m, Class<?> c) throws ReflectiveOperationException {
        Constructor<?> ctor;
        try {
            ctor = c.getDeclaredConstructor();
        } catch (NoSuchMethodException e) {
            throw new IllegalArgumentException("Cannot construct instance of `" + c.getName() + "` (no Creators, like default constructor, exist)");
        }
        ctor.setAccessible(true);
        Object o = ctor.newInstance();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String name = (String) e.getKey();
            Method setter = setter(c, name);
            if (setter != null) {
                setter.invoke(o, convert(e.getValue(), setter.getGenericParameterTypes()[0]));
                continue;
            }
            Field f = publicField(c, name);
            if (f != null) f.set(o, convert(e.getValue(), f.getGenericType()));
            // Anything else is an unknown property: ignored (FAIL_ON_UNKNOWN_PROPERTIES off).
        }
        return o;
    }

    private static Method setter(Class<?> c, String property) {
        String name = "set" + Character.toUpperCase(property.charAt(0)) + property.substring(1);
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == 1 && !Modifier.isStatic(m.getModifiers()) && !m.isBridge()) return m;
        }
        return null;
    }

    private static Field publicField(Class<?> c, String name) {
        try {
            Field f = c.getField(name);
            int mod = f.getModifiers();
            return Modifier.isStatic(mod) || Modifier.isFinal(mod) ? null : f;
        } catch (NoSuchFieldException e) {
            return null;
        }
    }

    static Class<?> rawClass(Type t) {
        if (t instanceof Class) return (Class<?>) t;
        if (t instanceof ParameterizedType) return rawClass(((ParameterizedType) t).getRawType());
        if (t instanceof GenericArrayType) return Array.newInstance(rawClass(((GenericArrayType) t).getGenericComponentType()), 0).getClass();
        return Object.class; // type variables and wildcards: whatever the JSON holds
    }

    private static Type typeArg(Type t, int k) {
        if (t instanceof ParameterizedType) {
            Type[] args = ((ParameterizedType) t).getActualTypeArguments();
            if (k < args.length) return args[k];
        }
        return Object.class;
    }

    private static Type componentType(Type t) {
        if (t instanceof GenericArrayType) return ((GenericArrayType) t).getGenericComponentType();
        return ((Class<?>) t).getComponentType();
    }

    // -----------------------------------------------------------------------
    // Writing
    // -----------------------------------------------------------------------

    static String write(Object v) throws ReflectiveOperationException {
        StringBuilder b = new StringBuilder();
        write(b, v, new HashSet<>());
        return b.toString();
    }

    private static void write(StringBuilder b, Object v, Set<Object> path) throws ReflectiveOperationException {
        if (v == null) {
            b.append("null");
        } else if (v instanceof CharSequence || v instanceof Character) {
            quote(b, v.toString());
        } else if (v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) quote(b, v.toString());
            else b.append(v);
        } else if (v instanceof Number) {
            b.append(v instanceof BigDecimal ? ((BigDecimal) v).toString() : v.toString());
        } else if (v instanceof Enum) {
            quote(b, ((Enum<?>) v).name());
        } else if (v instanceof Map) {
            enter(path, v);
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                if (!first) b.append(',');
                first = false;
                quote(b, String.valueOf(e.getKey()));
                b.append(':');
                write(b, e.getValue(), path);
            }
            b.append('}');
            path.remove(v);
        } else if (v instanceof Iterable) {
            enter(path, v);
            b.append('[');
            boolean first = true;
            for (Object item : (Iterable<?>) v) {
                if (!first) b.append(',');
                first = false;
                write(b, item, path);
            }
            b.append(']');
            path.remove(v);
        } else if (v.getClass().isArray()) {
            b.append('[');
            for (int k = 0, n = Array.getLength(v); k < n; k++) {
                if (k > 0) b.append(',');
                write(b, Array.get(v, k), path);
            }
            b.append(']');
        } else {
            enter(path, v);
            b.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : properties(v).entrySet()) {
                if (e.getValue() == null) continue; // NON_NULL
                if (!first) b.append(',');
                first = false;
                quote(b, e.getKey());
                b.append(':');
                write(b, e.getValue(), path);
            }
            b.append('}');
            path.remove(v);
        }
    }

    private static void enter(Set<Object> path, Object v) {
        if (!path.add(v)) throw new IllegalArgumentException("Direct self-reference leading to cycle (" + v.getClass().getName() + ")");
    }

    /** A bean's properties: public getters (getX, isX for boolean) and public fields, in declaration order. */
    private static Map<String, Object> properties(Object o) throws ReflectiveOperationException {
        Map<String, Object> out = new LinkedHashMap<>();
        Class<?> c = o.getClass();
        for (Field f : c.getFields()) {
            if (!Modifier.isStatic(f.getModifiers())) out.put(f.getName(), f.get(o));
        }
        for (Method m : c.getMethods()) {
            if (Modifier.isStatic(m.getModifiers()) || m.getParameterCount() != 0 || m.getDeclaringClass() == Object.class || m.isBridge()) continue;
            String n = m.getName();
            String prop;
            if (n.startsWith("get") && n.length() > 3 && m.getReturnType() != void.class) prop = n.substring(3);
            else if (n.startsWith("is") && n.length() > 2 && (m.getReturnType() == boolean.class || m.getReturnType() == Boolean.class)) prop = n.substring(2);
            else continue;
            prop = decapitalize(prop);
            m.setAccessible(true);
            out.put(prop, m.invoke(o));
        }
        return out;
    }

    /** Jackson's default naming: leading upper-case letters lowered ("URL" → "url", "Name" → "name"). */
    private static String decapitalize(String s) {
        int k = 0;
        StringBuilder b = new StringBuilder(s);
        while (k < b.length() && Character.isUpperCase(b.charAt(k))) {
            if (k > 0 && k + 1 < b.length() && !Character.isUpperCase(b.charAt(k + 1))) break;
            b.setCharAt(k, Character.toLowerCase(b.charAt(k)));
            k++;
        }
        return b.toString();
    }

    static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"': b.append("\\\""); break;
                case '\\': b.append("\\\\"); break;
                case '\n': b.append("\\n"); break;
                case '\r': b.append("\\r"); break;
                case '\t': b.append("\\t"); break;
                case '\b': b.append("\\b"); break;
                case '\f': b.append("\\f"); break;
                default:
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
            }
        }
        b.append('"');
    }
}
