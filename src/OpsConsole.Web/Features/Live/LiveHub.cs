using System.Collections.Concurrent;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.SignalR;
using OpsConsole.Core.Access;
using OpsConsole.Core.Live;
using OpsConsole.Core.SystemStatus;

namespace OpsConsole.Web.Features.Live;

/// <summary>What a hub client receives: every event of the topics it joined.</summary>
public interface ILiveClient
{
    Task Event(LiveEventEnvelope envelope);
}

/// <summary>
/// The live event bus for non-Blazor clients (tools, the .NET SignalR client in tests): join a topic, receive its
/// events. A topic is joined only when the caller passes that topic's policy.
/// </summary>
[Authorize(Policy = ConsolePolicies.SignedIn)]
public sealed class LiveHub(LiveHubForwarder forwarder, IAuthorizationService authorization) : Hub<ILiveClient>
{
    public const string Path = "/hubs/live";

    /// <summary>Topic name -> the policy a caller needs to receive it. Capabilities add their topics here.</summary>
    public static IReadOnlyDictionary<string, string> TopicPolicies { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [SystemTopics.Stats.Name] = ConsolePolicies.SystemRead,
        [Core.Alerts.AlertTopics.Changed.Name] = ConsolePolicies.AlertsRead,
        [Core.Alerts.Rules.AlertRuleTopics.GroupEvaluated.Name] = ConsolePolicies.AlertsRead,
        [Core.Alerts.Rules.AlertRuleTopics.Loaded.Name] = ConsolePolicies.AlertsRead,
        [Core.Operations.OperationTopics.Changed.Name] = ConsolePolicies.OperationsRead,
        [Core.Operations.OperationTopics.LogGrew.Name] = ConsolePolicies.OperationsRead,
        [Core.Backups.BackupTopics.Changed.Name] = ConsolePolicies.BackupsRead,
        [Core.Restores.RestoreKinds.Changed.Name] = ConsolePolicies.BackupsRead,
        [Core.Migrations.MigrationTopics.Changed.Name] = ConsolePolicies.BackupsRead,
    };

    public async Task Join(string topic)
    {
        if (string.IsNullOrWhiteSpace(topic) || !TopicPolicies.TryGetValue(topic, out var policy))
        {
            throw new HubException($"Unknown topic '{topic}'. Known topics: {string.Join(", ", TopicPolicies.Keys)}.");
        }

        var result = await authorization.AuthorizeAsync(Context.User!, policy);
        if (!result.Succeeded)
        {
            throw new HubException($"Not allowed to receive '{topic}'.");
        }

        if (Topics().TryAdd(topic, 0))
        {
            await Groups.AddToGroupAsync(Context.ConnectionId, topic);
            forwarder.Acquire(topic);
        }
    }

    public async Task Leave(string topic)
    {
        if (Topics().TryRemove(topic, out _))
        {
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, topic);
            forwarder.Release(topic);
        }
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        foreach (var topic in Topics().Keys)
        {
            forwarder.Release(topic);
        }

        return base.OnDisconnectedAsync(exception);
    }

    private ConcurrentDictionary<string, byte> Topics() =>
        (ConcurrentDictionary<string, byte>)(Context.Items.TryGetValue("topics", out var t)
            ? t!
            : Context.Items["topics"] = new ConcurrentDictionary<string, byte>(StringComparer.Ordinal));
}

/// <summary>One bus subscription per topic that has hub listeners on this instance, forwarded to that topic's group.</summary>
public sealed class LiveHubForwarder(ILiveEvents live, IHubContext<LiveHub, ILiveClient> hub) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (IDisposable Subscription, int Listeners)> _topics = new(StringComparer.Ordinal);

    public void Acquire(string topic)
    {
        lock (_gate)
        {
            if (_topics.TryGetValue(topic, out var entry))
            {
                _topics[topic] = (entry.Subscription, entry.Listeners + 1);
                return;
            }

            var subscription = live.SubscribeRaw(topic, envelope => hub.Clients.Group(topic).Event(envelope));
            _topics[topic] = (subscription, 1);
        }
    }

    public void Release(string topic)
    {
        lock (_gate)
        {
            if (!_topics.TryGetValue(topic, out var entry))
            {
                return;
            }

            if (entry.Listeners > 1)
            {
                _topics[topic] = (entry.Subscription, entry.Listeners - 1);
                return;
            }

            entry.Subscription.Dispose();
            _topics.Remove(topic);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var entry in _topics.Values)
            {
                entry.Subscription.Dispose();
            }

            _topics.Clear();
        }
    }
}
