namespace OpsConsole.Core.Live;

/// <summary>Several subscriptions ended together (a view that follows more than one topic of one store).</summary>
public sealed class Subscriptions(params IDisposable[] subscriptions) : IDisposable
{
    public void Dispose()
    {
        foreach (var subscription in subscriptions)
        {
            subscription.Dispose();
        }
    }
}
