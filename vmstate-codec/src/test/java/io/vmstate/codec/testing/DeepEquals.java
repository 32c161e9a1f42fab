package io.vmstate.codec.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Structural equality of test state objects: every instance field, arrays element by element, lists
 * and maps entry by entry, with the path of the first difference in the failure message. Fields
 * that reference back up the object graph are followed once.
 */
public final class DeepEquals {
  private DeepEquals() {}

  public static void assertDeepEquals(Object expected, Object actual) {
    String diff = diff(expected, actual, "$", new IdentityHashMap<>());
    if (diff != null) {
      fail(diff);
    }
  }

  private static String diff(
      Object e, Object a, String path, IdentityHashMap<Object, Object> seen) {
    if (e == a) {
      return null;
    }
    if (e == null || a == null) {
      return path + ": " + e + " vs " + a;
    }
    if (e.getClass() != a.getClass()) {
      return path + ": " + e.getClass().getSimpleName() + " vs " + a.getClass().getSimpleName();
    }
    Class<?> c = e.getClass();
    if (c.isArray()) {
      int n = Array.getLength(e);
      if (n != Array.getLength(a)) {
        return path + ": length " + n + " vs " + Array.getLength(a);
      }
      for (int i = 0; i < n; i++) {
        String d = diff(Array.get(e, i), Array.get(a, i), path + "[" + i + "]", seen);
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (e instanceof List<?> le) {
      List<?> la = (List<?>) a;
      if (le.size() != la.size()) {
        return path + ": size " + le.size() + " vs " + la.size();
      }
      for (int i = 0; i < le.size(); i++) {
        String d = diff(le.get(i), la.get(i), path + "[" + i + "]", seen);
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (e instanceof Map<?, ?> me) {
      Map<?, ?> ma = (Map<?, ?>) a;
      if (me.size() != ma.size()) {
        return path + ": size " + me.size() + " vs " + ma.size();
      }
      Iterator<? extends Map.Entry<?, ?>> ie = me.entrySet().iterator();
      Iterator<? extends Map.Entry<?, ?>> ia = ma.entrySet().iterator();
      for (int i = 0; ie.hasNext(); i++) {
        Map.Entry<?, ?> x = ie.next();
        Map.Entry<?, ?> y = ia.next();
        String d = diff(x.getKey(), y.getKey(), path + "{key " + i + "}", seen);
        if (d == null) {
          d = diff(x.getValue(), y.getValue(), path + "{" + x.getKey() + "}", seen);
        }
        if (d != null) {
          return d;
        }
      }
      return null;
    }
    if (c.isPrimitive()
        || c.getName().startsWith("java.")
        || c.isEnum()
        || e instanceof Number
        || e instanceof CharSequence) {
      return Objects.equals(e, a) ? null : path + ": " + e + " vs " + a;
    }
    if (seen.put(e, a) != null) {
      return null;
    }
    for (Class<?> k = c; k != null && k != Object.class; k = k.getSuperclass()) {
      for (Field f : k.getDeclaredFields()) {
        if (Modifier.isStatic(f.getModifiers()) || f.isSynthetic()) {
          continue;
        }
        f.setAccessible(true);
        try {
          String d = diff(f.get(e), f.get(a), path + "." + f.getName(), seen);
          if (d != null) {
            return d;
          }
        } catch (IllegalAccessException x) {
          throw new AssertionError(x);
        }
      }
    }
    return null;
  }
}
