using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Identity;

/// <summary>
/// One subscription per revocation topic for the whole process, fanned out by user, session or display id to the open circuits
/// that registered. Registering is a dictionary insert, so a page load costs no bus subscription.
/// </summary>
public sealed class SessionRevocations : IHostedService, IDisposable
{
    private readonly ILiveEvents _live;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Action>> _byKey = new(StringComparer.Ordinal);
    private readonly List<IDisposable> _subscriptions = [];

    public SessionRevocations(ILiveEvents live) => _live = live;

    /// <summary>Calls <paramref name="onRevoked"/> when the user's sessions are revoked; dispose to stop.</summary>
    public IDisposable Register(string userId, Action onRevoked) => RegisterKey(UserKey(userId), onRevoked);

    /// <summary>Calls <paramref name="onRevoked"/> when the wall display is revoked; dispose to stop.</summary>
    public IDisposable RegisterDisplay(Guid deviceId, Action onRevoked) => RegisterKey(DisplayKey(deviceId), onRevoked);

    /// <summary>Calls <paramref name="onEnded"/> when that one sign-in session ends; dispose to stop.</summary>
    public IDisposable RegisterSession(Guid sessionId, Action onEnded) => RegisterKey(SessionKey(sessionId), onEnded);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_subscriptions)
        {
            _subscriptions.Add(_live.Subscribe(IdentityTopics.SessionsRevoked, e => Notify(UserKey(e.Payload.UserId))));
            _subscriptions.Add(_live.Subscribe(IdentityTopics.DisplayRevoked, e => Notify(DisplayKey(e.Payload.DeviceId))));
            _subscriptions.Add(_live.Subscribe(IdentityTopics.SessionEnded, e => Notify(SessionKey(e.Payload.SessionId))));
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_subscriptions)
        {
            foreach (var subscription in _subscriptions)
            {
                subscription.Dispose();
            }

            _subscriptions.Clear();
        }
    }

    // Prefixed keys: user ids are strings chosen by Identity, display ids are GUIDs; they must never collide.
    private static string UserKey(string userId) => "user:" + userId;

    private static string DisplayKey(Guid deviceId) => "display:" + deviceId.ToString("N");

    private static string SessionKey(Guid sessionId) => "session:" + sessionId.ToString("N");

    private IDisposable RegisterKey(string key, Action onRevoked)
    {
        var id = Guid.NewGuid();
        _byKey.GetOrAdd(key, _ => new ConcurrentDictionary<Guid, Action>())[id] = onRevoked;
        return new Registration(() =>
        {
            if (_byKey.TryGetValue(key, out var callbacks))
            {
                callbacks.TryRemove(id, out _);
            }
        });
    }

    private Task Notify(string key)
    {
        if (_byKey.TryGetValue(key, out var callbacks))
        {
            foreach (var callback in callbacks.Values)
            {
                callback();
            }
        }

        return Task.CompletedTask;
    }

    private sealed class Registration(Action unregister) : IDisposable
    {
        private Action? _unregister = unregister;

        public void Dispose() => Interlocked.Exchange(ref _unregister, null)?.Invoke();
    }

    /// <summary>Calls <paramref name="onChanged"/> when a session of <paramref name="userId"/> ends (on any instance), at most once per interval.</summary>
    public IDisposable OnSessionEnded(string userId, TimeSpan minimumInterval, Func<Task> onChanged) =>
        _live.SubscribeThrottled(IdentityTopics.SessionEnded, minimumInterval, onChanged, e => e.UserId == userId);
}
