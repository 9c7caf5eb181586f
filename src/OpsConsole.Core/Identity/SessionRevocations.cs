using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using OpsConsole.Core.Live;

namespace OpsConsole.Core.Identity;

/// <summary>
/// One subscription to <see cref="IdentityTopics.SessionsRevoked"/> for the whole process, fanned out by user id to the
/// open circuits that registered. Registering is a dictionary insert, so a page load costs no bus subscription.
/// </summary>
public sealed class SessionRevocations : IHostedService, IDisposable
{
    private readonly ILiveEvents _live;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Guid, Action>> _byUser = new(StringComparer.Ordinal);
    private IDisposable? _subscription;

    public SessionRevocations(ILiveEvents live) => _live = live;

    /// <summary>Calls <paramref name="onRevoked"/> when the user's sessions are revoked; dispose to stop.</summary>
    public IDisposable Register(string userId, Action onRevoked)
    {
        var id = Guid.NewGuid();
        _byUser.GetOrAdd(userId, _ => new ConcurrentDictionary<Guid, Action>())[id] = onRevoked;
        return new Registration(() =>
        {
            if (_byUser.TryGetValue(userId, out var callbacks))
            {
                callbacks.TryRemove(id, out _);
            }
        });
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _subscription = _live.Subscribe(IdentityTopics.SessionsRevoked, e =>
        {
            if (_byUser.TryGetValue(e.Payload.UserId, out var callbacks))
            {
                foreach (var callback in callbacks.Values)
                {
                    callback();
                }
            }

            return Task.CompletedTask;
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _subscription?.Dispose();
        _subscription = null;
    }

    private sealed class Registration(Action unregister) : IDisposable
    {
        private Action? _unregister = unregister;

        public void Dispose() => Interlocked.Exchange(ref _unregister, null)?.Invoke();
    }
}
