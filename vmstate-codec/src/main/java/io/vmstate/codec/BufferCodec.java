package io.vmstate.codec;

import io.vmstate.api.BufferField;
import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import io.vmstate.api.VmStateException;
import io.vmstate.api.WireType;

/** Raw buffers, variable buffers, unused padding and bitmaps. */
final class BufferCodec<T> extends FieldCodec<T> {
  private final BufferField<T> f;

  BufferCodec(BufferField<T> f) {
    super(f);
    this.f = f;
  }

  /** Wire bytes of the field for {@code obj}. */
  private long wireSize(T obj) {
    if (f.varCount() == null) {
      return f.fixedWireSize();
    }
    long n = f.varCount().count(obj);
    return f.wireType() == WireType.BITMAP ? ((n + 63) / 64) * 8 : n * f.size();
  }

  @Override
  void save(T obj, WireOutput out, int version, Ctx ctx) throws VmStateException {
    long size = wireSize(obj);
    switch (f.wireType()) {
      case UNUSED -> out.writeZeros(size);
      case BITMAP -> {
        Object a = f.array().apply(obj);
        int words = (int) (size / 8);
        if (!(a instanceof long[] l) || l.length < words) {
          throw VmStateEncodeException.shapeMismatch(
              "bitmap needs " + words + " long words, has " + describe(a));
        }
        out.writeLongs(l, 0, words);
      }
      default -> {
        Object a = f.array().apply(obj);
        int start = f.varCount() == null ? f.start() : 0;
        if (!(a instanceof byte[] b) || b.length < start + size) {
          throw VmStateEncodeException.shapeMismatch(
              "buffer needs " + (start + size) + " bytes, has " + describe(a));
        }
        out.writeBytes(b, start, (int) size);
      }
    }
  }

  @Override
  void load(T obj, WireInput in, int version, Ctx ctx) throws VmStateException {
    long at = in.position();
    long size = wireSize(obj);
    if (size > ctx.limits.maxBufferBytes()) {
      throw VmStateDecodeException.limitExceeded("buffer size", size, ctx.limits.maxBufferBytes())
          .atOffset(at);
    }
    switch (f.wireType()) {
      case UNUSED -> in.skip(size);
      case BITMAP -> {
        int words = (int) (size / 8);
        Object a = f.array().apply(obj);
        if (!(a instanceof long[] l) || l.length < words) {
          throw VmStateDecodeException.destinationMismatch(
                  "bitmap needs " + words + " long words, destination has " + describe(a))
              .atOffset(at);
        }
        in.readLongs(l, 0, words);
      }
      default -> {
        byte[] b;
        int start = f.varCount() == null ? f.start() : 0;
        if (f.allocator() != null) {
          b = new byte[(int) size];
          f.allocator().accept(obj, b);
        } else {
          Object a = f.array().apply(obj);
          if (!(a instanceof byte[] bb) || bb.length < start + size) {
            throw VmStateDecodeException.destinationMismatch(
                    "buffer needs " + (start + size) + " bytes, destination has " + describe(a))
                .atOffset(at);
          }
          b = bb;
        }
        in.readBytes(b, start, (int) size);
      }
    }
  }

  private static String describe(Object a) {
    if (a == null) {
      return "null";
    }
    if (a instanceof byte[] b) {
      return b.length + " bytes";
    }
    if (a instanceof long[] l) {
      return l.length + " words";
    }
    return a.getClass().getSimpleName();
  }
}
