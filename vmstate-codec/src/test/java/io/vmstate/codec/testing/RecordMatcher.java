package io.vmstate.codec.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vmstate.api.ArrayField;
import io.vmstate.api.BufferField;
import io.vmstate.api.Field;
import io.vmstate.api.ScalarField;
import io.vmstate.api.StructField;
import io.vmstate.api.VmStateDescription;
import io.vmstate.api.WireType;
import io.vmstate.codec.Elements;
import io.vmstate.codec.Scalars;
import io.vmstate.codec.StateRecord;
import io.vmstate.codec.StateValue;
import java.util.Arrays;
import java.util.function.Function;

/**
 * Checks that a generic {@link StateRecord} holds the values of a typed object, walking the typed
 * description: scalars, arrays (2-D ones flattened row-major), buffers, bitmaps, structs and the
 * subsections the object needs. Tmp, unused and validate fields carry no value of the object and
 * are covered by the byte comparison.
 */
public final class RecordMatcher {
  private RecordMatcher() {}

  public static <T> void assertRecordMatches(VmStateDescription<T> d, T obj, StateRecord r) {
    match(d, obj, r, d.name());
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static <T> void match(VmStateDescription<T> d, T obj, StateRecord r, String path) {
    for (Field<T> f : d.fields()) {
      String at = path + "/" + f.name();
      if (f instanceof ScalarField<T> s) {
        long expected = Scalars.normalize(s.wireType(), s.getter().applyAsLong(obj));
        assertEquals(expected, r.bits(f.name()), at);
      } else if (f instanceof ArrayField<T> a) {
        StateValue.Array v = (StateValue.Array) r.get(f.name());
        assertNotNull(v, at);
        assertArrayEquals(sent(a, obj), bits(a.wireType(), v.values(), 0, v.length()), at);
      } else if (f instanceof BufferField<T> b && b.wireType() == WireType.BUFFER) {
        byte[] all = (byte[]) b.array().apply(obj);
        StateValue.Bytes v = (StateValue.Bytes) r.get(f.name());
        int n = v.bytes().length;
        int start = b.varCount() == null ? b.start() : 0;
        assertArrayEquals(Arrays.copyOfRange(all, start, start + n), v.bytes(), at);
        if (b.varCount() != null) {
          assertEquals(b.varCount().count(obj) * b.size(), n, at + " size");
        }
      } else if (f instanceof BufferField<T> b && b.wireType() == WireType.BITMAP) {
        long[] words = (long[]) b.array().apply(obj);
        long[] got = (long[]) ((StateValue.Array) r.get(f.name())).values();
        for (int i = 0; i < got.length; i++) {
          assertEquals(words[i], got[i], at + " word " + i);
        }
      } else if (f instanceof StructField s) {
        matchStruct(s, obj, r, at);
      }
    }
    for (VmStateDescription<T> sub : d.subsections()) {
      StateRecord sr = r.subsections().get(sub.name());
      if (sub.isNeeded(obj)) {
        assertNotNull(sr, path + " subsection " + sub.name());
        match(sub, obj, sr, path + "/" + sub.name());
      } else {
        assertTrue(sr == null, path + ": subsection " + sub.name() + " was not sent");
      }
    }
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void matchStruct(StructField s, Object obj, StateRecord r, String at) {
    Object value = ((Function) s.accessor()).apply(obj);
    if (!s.isArray()) {
      match(s.child(), value, (StateRecord) r.get(s.name()), at);
      return;
    }
    Object[] elements = (Object[]) value;
    StateValue.RecordArray ra = (StateValue.RecordArray) r.get(s.name());
    for (int i = 0; i < ra.elements().size(); i++) {
      match(s.child(), elements[s.start() + i], ra.elements().get(i), at + "[" + i + "]");
    }
  }

  /** The normalized bits of the elements the typed field sends. */
  private static <T> long[] sent(ArrayField<T> a, T obj) {
    Object arr = a.array().apply(obj);
    if (a.rows() > 0) {
      Object[] rows = (Object[]) arr;
      long[] out = new long[a.rows() * a.columns()];
      for (int r = 0; r < a.rows(); r++) {
        long[] row = bits(a.wireType(), rows[r], 0, a.columns());
        System.arraycopy(row, 0, out, r * a.columns(), a.columns());
      }
      return out;
    }
    int n = a.varCount() != null ? (int) a.varCount().count(obj) : a.count();
    return bits(a.wireType(), arr, a.start(), n);
  }

  private static long[] bits(WireType type, Object arr, int off, int n) {
    Elements kind = Elements.of(type);
    long[] out = new long[n];
    for (int i = 0; i < n; i++) {
      out[i] = Scalars.normalize(type, kind.bits(arr, off + i));
    }
    return out;
  }

  private static void assertArrayEquals(long[] e, long[] a, String msg) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(e, a, msg);
  }

  private static void assertArrayEquals(byte[] e, byte[] a, String msg) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(e, a, msg);
  }
}
