using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Alerts.Rules;
using OpsConsole.Core.Live;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Alerts.Rules;

/// <summary>The rule topics reach tools on /hubs/live for those who may read alerts, and no one else.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RuleStatusTests(PostgresFixture postgres) : ConsoleTest(postgres)
{
    [Fact]
    public async Task A_viewer_follows_rule_loads_on_the_hub_and_an_auditor_may_not()
    {
        var (client, cookies) = await Console.SignInNewUserAsync("rules-viewer", ConsoleRoles.Viewer);
        client.Dispose();
        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Console.BaseAddress, "/hubs/live"), options => options.Cookies = cookies)
            .Build();
        var loaded = new TaskCompletionSource<LiveEventEnvelope>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<LiveEventEnvelope>("Event", e => loaded.TrySetResult(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Join", AlertRuleTopics.Loaded.Name);
        await hub.InvokeAsync("Join", AlertRuleTopics.GroupEvaluated.Name);

        await Console.Services.GetRequiredService<AlertRuleManager>().ReloadAsync("test", CancellationToken.None);

        var envelope = await loaded.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(AlertRuleTopics.Loaded.Name, envelope.Topic);
        Assert.True(envelope.Payload.GetProperty("succeeded").GetBoolean());
        Assert.Equal(0, envelope.Payload.GetProperty("rules").GetInt32());

        var (otherClient, otherCookies) = await Console.SignInNewUserAsync("rules-auditor", ConsoleRoles.Auditor);
        otherClient.Dispose();
        await using var auditor = new HubConnectionBuilder()
            .WithUrl(new Uri(Console.BaseAddress, "/hubs/live"), options => options.Cookies = otherCookies)
            .Build();
        await auditor.StartAsync();
        var denied = await Assert.ThrowsAsync<HubException>(() => auditor.InvokeAsync("Join", AlertRuleTopics.Loaded.Name));
        Assert.Contains("Not allowed", denied.Message, StringComparison.Ordinal);
    }
}
