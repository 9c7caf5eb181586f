using System.Threading.Channels;

namespace OpsConsole.Core.Live;

/// <summary>
/// One subscriber: a bounded channel plus a single reader loop, so the handler runs sequentially and
/// per-topic order is preserved for this subscriber without any subscriber affecting the publisher or others.
/// </summary>
internal abstract class LiveSubscription : IDisposable
{
    private static readonly LiveSubscriptionOptions DefaultOptions = new();
    private readonly Channel<LiveItem> _channel;
    private readonly LiveEventBus _bus;
    private int _disposed;

    protected LiveSubscription(LiveEventBus bus, LiveTopicState topic, LiveSubscriptionOptions? options)
    {
        var capacity = (options ?? DefaultOptions).Capacity;
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1, nameof(options));
        _bus = bus;
        Topic = topic;

        // Drop-oldest: a live view cares about the newest state, so stale queued events are the cheapest to lose.
        _channel = Channel.CreateBounded<LiveItem>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = false,
                AllowSynchronousContinuations = false,
            },
            dropped => _bus.OnDropped(Topic));
    }

    public LiveTopicState Topic { get; }

    /// <summary>Completes when the reader loop has exited (after Dispose); for tests and orderly shutdown.</summary>
    public Task Completion { get; private set; } = Task.CompletedTask;

    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Non-blocking; returns false only when the subscription is closed (a full queue drops oldest instead).</summary>
    public bool TryEnqueue(LiveItem item) => Accepts(item) && _channel.Writer.TryWrite(item);

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _channel.Writer.TryComplete();
        _bus.Remove(this);
    }

    protected abstract bool Accepts(LiveItem item);

    protected abstract Task InvokeAsync(LiveItem item);

    private async Task RunAsync()
    {
        var reader = _channel.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var item))
            {
                // Checked per item so nothing already queued is handled once Dispose has returned.
                if (IsDisposed)
                {
                    return;
                }

                try
                {
                    await InvokeAsync(item);
                    _bus.OnDelivered(Topic);
                }
#pragma warning disable CA1031 // A subscriber's failure must never kill its loop; it is logged and counted.
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    _bus.OnHandlerError(Topic, ex);
                }
            }
        }
    }
}

internal sealed class TypedLiveSubscription<T>(
    LiveEventBus bus, LiveTopicState topic, Func<LiveEvent<T>, Task> handler, LiveSubscriptionOptions? options)
    : LiveSubscription(bus, topic, options)
{
    protected override bool Accepts(LiveItem item) => item.HasTypedPayload;

    protected override Task InvokeAsync(LiveItem item) =>
        handler(new LiveEvent<T>(item.Topic, (T)item.Payload!, item.PublishedAt, item.Sequence, item.OriginInstance));
}

internal sealed class RawLiveSubscription(
    LiveEventBus bus, LiveTopicState topic, Func<LiveEventEnvelope, Task> handler, LiveSubscriptionOptions? options)
    : LiveSubscription(bus, topic, options)
{
    protected override bool Accepts(LiveItem item) => true;

    protected override Task InvokeAsync(LiveItem item) => handler(item.ToEnvelope());
}
