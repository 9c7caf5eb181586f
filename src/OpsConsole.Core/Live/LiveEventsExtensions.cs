namespace OpsConsole.Core.Live;

public static class LiveEventsExtensions
{
    /// <summary>
    /// Aspire-style "OnNewX": calls <paramref name="onChanged"/> (throttled by <paramref name="minimumInterval"/>)
    /// whenever <paramref name="topic"/> gets an event. Dispose the result to stop; the payload is intentionally
    /// not passed so components re-read current state instead of applying every event.
    /// </summary>
    public static IDisposable SubscribeThrottled<T>(this ILiveEvents events, LiveTopic<T> topic, TimeSpan minimumInterval, Func<Task> onChanged) =>
        SubscribeThrottled(events, topic, minimumInterval, onChanged, filter: null);

    /// <summary>As above, but only events whose payload passes <paramref name="filter"/> signal a refresh.</summary>
    public static IDisposable SubscribeThrottled<T>(this ILiveEvents events, LiveTopic<T> topic, TimeSpan minimumInterval, Func<Task> onChanged, Func<T, bool>? filter) =>
        SubscribeThrottled(events, topic, minimumInterval, onChanged, filter, changedBeforeSubscribing: null);

    /// <summary>
    /// As above for a caller that read the state before subscribing: when <paramref name="changedBeforeSubscribing"/>
    /// says the state moved in between, the callback runs once at once (through the throttle), so the change that
    /// slipped through the gap is not left waiting for the next event.
    /// </summary>
    public static IDisposable SubscribeThrottled<T>(this ILiveEvents events, LiveTopic<T> topic, TimeSpan minimumInterval, Func<Task> onChanged, Func<T, bool>? filter, Func<bool>? changedBeforeSubscribing)
    {
        ArgumentNullException.ThrowIfNull(events);
        var timeProvider = (events as LiveEventBus)?.TimeProvider ?? TimeProvider.System;
        var throttle = new LiveThrottle(minimumInterval, onChanged, timeProvider);

        // Small queue: the handler only flips a flag, and losing events is harmless since they are coalesced anyway.
        IDisposable subscription;
        try
        {
            subscription = events.Subscribe(
                topic,
                e =>
                {
                    if (filter is null || filter(e.Payload))
                    {
                        throttle.Signal();
                    }

                    return Task.CompletedTask;
                },
                new LiveSubscriptionOptions { Capacity = 16 });
        }
        catch
        {
            throttle.Dispose(); // don't leak the timer when the topic is rejected (e.g. payload type conflict)
            throw;
        }

        if (changedBeforeSubscribing?.Invoke() == true)
        {
            throttle.Signal();
        }

        return new CompositeDisposable(subscription, throttle);
    }

    private sealed class CompositeDisposable(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }
}
