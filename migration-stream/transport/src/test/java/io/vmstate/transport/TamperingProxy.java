package io.vmstate.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.local.LocalAddress;
import io.netty.channel.local.LocalChannel;
import io.netty.channel.local.LocalServerChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-VM proxy for one connection between a source and a destination that either cuts the
 * source-to-destination direction after a given number of bytes (closing both sides) or flips one
 * byte in the middle of a given frame.
 */
final class TamperingProxy implements AutoCloseable {
  private static final EventLoopGroup GROUP =
      new NioEventLoopGroup(1, new DefaultThreadFactory("test-proxy", true));

  private final SocketAddress target;
  private final long cutAfter;
  private final int flipFrame;
  private final Channel server;
  private final AtomicLong forwarded = new AtomicLong();
  private final CountDownLatch closed = new CountDownLatch(2);

  private TamperingProxy(SocketAddress target, long cutAfter, int flipFrame) {
    this.target = target;
    this.cutAfter = cutAfter;
    this.flipFrame = flipFrame;
    this.server =
        new ServerBootstrap()
            .group(GROUP)
            .channel(LocalServerChannel.class)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    if (flipFrame >= 0) {
                      ch.pipeline()
                          .addLast(new LengthFieldBasedFrameDecoder(Integer.MAX_VALUE, 0, 4, 0, 0));
                    }
                    ch.pipeline().addLast(new Front());
                  }
                })
            .bind(LocalAddress.ANY)
            .syncUninterruptibly()
            .channel();
  }

  static TamperingProxy cutAfter(SocketAddress target, long bytes) {
    return new TamperingProxy(target, bytes, -1);
  }

  static TamperingProxy flipInFrame(SocketAddress target, int frameIndex) {
    return new TamperingProxy(target, Long.MAX_VALUE, frameIndex);
  }

  SocketAddress address() {
    return server.localAddress();
  }

  /** Source bytes passed on to the destination. */
  long forwarded() {
    return forwarded.get();
  }

  void awaitClosed() throws InterruptedException {
    if (!closed.await(10, TimeUnit.SECONDS)) {
      throw new AssertionError("proxied connection not closed");
    }
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
  }

  private final class Front extends ChannelInboundHandlerAdapter {
    private Channel back;
    private boolean cut;
    private int frames;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      Channel front = ctx.channel();
      front.closeFuture().addListener(f -> closed.countDown());
      new Bootstrap()
          .group(front.eventLoop())
          .channel(LocalChannel.class)
          .handler(
              new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext bctx, Object msg) {
                  front.writeAndFlush(msg);
                }

                @Override
                public void channelInactive(ChannelHandlerContext bctx) {
                  front.close();
                }
              })
          .connect(target)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    f.channel().closeFuture().addListener(c -> closed.countDown());
                    if (!f.isSuccess() || !front.isActive()) {
                      f.channel().close();
                      front.close();
                      return;
                    }
                    back = f.channel();
                    front.config().setAutoRead(true);
                  });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      ByteBuf buf = (ByteBuf) msg;
      if (cut) {
        buf.release();
        return;
      }
      if (flipFrame >= 0 && frames++ == flipFrame) {
        int at = buf.readerIndex() + buf.readableBytes() / 2;
        buf.setByte(at, buf.getByte(at) ^ 0x5a);
      }
      long left = cutAfter - forwarded.get();
      if (buf.readableBytes() < left) {
        forwarded.addAndGet(buf.readableBytes());
        back.writeAndFlush(buf);
        return;
      }
      cut = true;
      forwarded.addAndGet(left);
      back.writeAndFlush(buf.retainedSlice(buf.readerIndex(), (int) left))
          .addListener(ChannelFutureListener.CLOSE);
      buf.release();
      ctx.close();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (back != null) {
        back.close();
      }
    }
  }
}
