package io.vmstate.gic.its;

import static com.google.common.base.Preconditions.checkArgument;

import io.vmstate.api.VmStateDecodeException;
import io.vmstate.api.VmStateEncodeException;
import java.util.Collections;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * Sparse guest memory made of pages, as a migration stream's RAM records deliver it. The stream
 * module feeds it through {@link PageSink} (a page's guest physical address and contents, or a zero
 * page); reads of a page never delivered fail naming the address, because ITS tables in memory that
 * did not travel are exactly the failure a restore must report (a diff snapshot without the pages
 * holding the ITS tables), unless the memory was made with {@code absentPagesAreZero}.
 */
public final class PagedGuestMemory implements GuestMemory, PageSink {
  private final int pageSize;
  private final boolean absentPagesAreZero;
  private final NavigableMap<Long, byte[]> pages = new TreeMap<>();

  /** One all-zero page shared by every zero page (a stream's RAM is mostly zero pages). */
  private final byte[] zero;

  /** Pages of {@code pageSize} bytes (a power of two, e.g. 4096 as QEMU's target page). */
  public PagedGuestMemory(int pageSize, boolean absentPagesAreZero) {
    checkArgument(
        pageSize >= 64 && Integer.bitCount(pageSize) == 1,
        "page size %s is not a power of two >= 64",
        pageSize);
    this.pageSize = pageSize;
    this.absentPagesAreZero = absentPagesAreZero;
    this.zero = new byte[pageSize];
  }

  /** The page size in bytes. */
  public int pageSize() {
    return pageSize;
  }

  /**
   * The pages held, by guest physical address (read-only view; zero pages share one array, so the
   * arrays must not be modified).
   */
  public NavigableMap<Long, byte[]> pages() {
    return Collections.unmodifiableNavigableMap(pages);
  }

  @Override
  public void page(long gpa, byte[] data, int off, int len) {
    checkArgument(
        gpa % pageSize == 0, "page address 0x%s is not page-aligned", Long.toHexString(gpa));
    checkArgument(len == pageSize, "page of %s bytes, expected %s", len, pageSize);
    byte[] copy = new byte[pageSize];
    System.arraycopy(data, off, copy, 0, len);
    pages.put(gpa, copy);
  }

  @Override
  public void zeroPage(long gpa) {
    checkArgument(
        gpa % pageSize == 0, "page address 0x%s is not page-aligned", Long.toHexString(gpa));
    pages.put(gpa, zero);
  }

  @Override
  public void read(long gpa, byte[] dst, int off, int len) throws VmStateDecodeException {
    checkArgument(gpa >= 0 && len >= 0, "bad range");
    int done = 0;
    while (done < len) {
      long a = gpa + done;
      long pageAddr = a & -(long) pageSize;
      int in = (int) (a - pageAddr);
      int n = Math.min(len - done, pageSize - in);
      byte[] p = pages.get(pageAddr);
      if (p == null) {
        if (!absentPagesAreZero) {
          throw GuestMemory.absent(
              gpa, len, "page 0x" + Long.toHexString(pageAddr) + " was not in the stream");
        }
        java.util.Arrays.fill(dst, off + done, off + done + n, (byte) 0);
      } else {
        System.arraycopy(p, in, dst, off + done, n);
      }
      done += n;
    }
  }

  @Override
  public void write(long gpa, byte[] src, int off, int len) throws VmStateEncodeException {
    if (gpa < 0 || gpa + len < gpa) {
      throw VmStateEncodeException.notRepresentable("guest address 0x" + Long.toHexString(gpa));
    }
    int done = 0;
    while (done < len) {
      long a = gpa + done;
      long pageAddr = a & -(long) pageSize;
      int in = (int) (a - pageAddr);
      int n = Math.min(len - done, pageSize - in);
      byte[] p = pages.get(pageAddr);
      if (p == null || p == zero) {
        p = new byte[pageSize];
        pages.put(pageAddr, p);
      }
      System.arraycopy(src, off + done, p, in, n);
      done += n;
    }
  }
}
