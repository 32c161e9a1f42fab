package io.vmstate.stream.vmdesc;

import io.vmstate.api.Nullable;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * A JSON object of {@link JsonTree}: an insertion-ordered map from member names to values, kept in
 * two arrays. A vmdesc holds hundreds of thousands of objects of a handful of members each (a
 * field's name, type, size, ...); a lookup scans the few names (which the parser interns, so most
 * comparisons are by identity), and no hash table is made until an object grows past {@link
 * #LINEAR} members. A repeated key keeps its first position and takes the new value.
 */
final class JsonObject extends AbstractMap<String, Object> {
  /** Objects up to this many members are searched linearly. */
  static final int LINEAR = 8;

  private String[] keys = new String[4];
  private Object[] values = new Object[4];
  private int size;
  private int modCount;
  private Map<String, Integer> index;

  @Override
  public int size() {
    return size;
  }

  private int indexOf(Object key) {
    if (index != null) {
      Integer i = index.get(key);
      return i == null ? -1 : i;
    }
    for (int i = 0; i < size; i++) {
      if (keys[i] == key) {
        return i;
      }
    }
    if (key != null) {
      for (int i = 0; i < size; i++) {
        if (key.equals(keys[i])) {
          return i;
        }
      }
    }
    return -1;
  }

  @Override
  public boolean containsKey(Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public Object get(Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  @Override
  public @Nullable Object put(String key, Object value) {
    Objects.requireNonNull(key, "key");
    int i = indexOf(key);
    if (i >= 0) {
      Object old = values[i];
      values[i] = value;
      return old;
    }
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    keys[size] = key;
    values[size] = value;
    if (index != null) {
      index.put(key, size);
    } else if (size + 1 > LINEAR) {
      reindex(size + 1);
    }
    size++;
    modCount++;
    return null;
  }

  private void reindex(int n) {
    index = null;
    if (n > LINEAR) {
      Map<String, Integer> m = new HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        m.put(keys[i], i);
      }
      index = m;
    }
  }

  private void removeAt(int i) {
    System.arraycopy(keys, i + 1, keys, i, size - i - 1);
    System.arraycopy(values, i + 1, values, i, size - i - 1);
    size--;
    keys[size] = null;
    values[size] = null;
    modCount++;
    reindex(size);
  }

  @Override
  public @Nullable Object remove(Object key) {
    int i = indexOf(key);
    if (i < 0) {
      return null;
    }
    Object old = values[i];
    removeAt(i);
    return old;
  }

  @Override
  public void clear() {
    Arrays.fill(keys, 0, size, null);
    Arrays.fill(values, 0, size, null);
    size = 0;
    index = null;
    modCount++;
  }

  /** {@link Map#hashCode()}, without making entries. */
  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < size; i++) {
      h += keys[i].hashCode() ^ Objects.hashCode(values[i]);
    }
    return h;
  }

  /** {@link Map#equals(Object)} (order does not matter), without making entries. */
  @Override
  public boolean equals(Object o) {
    if (o == this) {
      return true;
    }
    if (!(o instanceof JsonObject other)) {
      return super.equals(o);
    }
    if (other.size != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      int j = other.keys.length > i && other.keys[i] == keys[i] ? i : other.indexOf(keys[i]);
      if (j < 0 || !Objects.equals(values[i], other.values[j])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Set<Map.Entry<String, Object>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return size;
      }

      @Override
      public Iterator<Map.Entry<String, Object>> iterator() {
        return new Iterator<>() {
          private int next;
          private int last = -1;
          private int expected = modCount;

          @Override
          public boolean hasNext() {
            return next < size;
          }

          @Override
          public Map.Entry<String, Object> next() {
            if (expected != modCount) {
              throw new ConcurrentModificationException();
            }
            if (next >= size) {
              throw new NoSuchElementException();
            }
            last = next++;
            return new Member(last);
          }

          @Override
          public void remove() {
            if (last < 0) {
              throw new IllegalStateException();
            }
            if (expected != modCount) {
              throw new ConcurrentModificationException();
            }
            removeAt(last);
            next = last;
            last = -1;
            expected = modCount;
          }
        };
      }
    };
  }

  /** The member at one position; its value writes through. */
  private final class Member implements Map.Entry<String, Object> {
    private final int i;

    Member(int i) {
      this.i = i;
    }

    @Override
    public String getKey() {
      return keys[i];
    }

    @Override
    public Object getValue() {
      return values[i];
    }

    @Override
    public Object setValue(Object value) {
      Object old = values[i];
      values[i] = value;
      return old;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Map.Entry<?, ?> e
          && Objects.equals(getKey(), e.getKey())
          && Objects.equals(getValue(), e.getValue());
    }

    @Override
    public int hashCode() {
      return Objects.hashCode(getKey()) ^ Objects.hashCode(getValue());
    }

    @Override
    public String toString() {
      return getKey() + "=" + getValue();
    }
  }
}
