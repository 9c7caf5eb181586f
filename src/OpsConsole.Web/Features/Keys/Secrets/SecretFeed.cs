using OpsConsole.Core.Keys.Secrets;
using OpsConsole.Core.Live;

namespace OpsConsole.Web.Features.Keys.Secrets;

/// <summary>What the secrets section subscribes to (components never see the live bus): a rotation recorded on any instance.</summary>
public sealed class SecretFeed(ILiveEvents live)
{
    public static readonly TimeSpan MinimumRefresh = TimeSpan.FromMilliseconds(500);

    public IDisposable OnSecretsChanged(Func<Task> onChanged) =>
        live.SubscribeThrottled(SecretTopics.Changed, MinimumRefresh, onChanged);
}
