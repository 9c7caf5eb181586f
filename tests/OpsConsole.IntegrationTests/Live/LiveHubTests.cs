using System.Net;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Live;
using OpsConsole.Core.SystemStatus;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Live;

[Collection(PostgresCollection.Name)]
public sealed class LiveHubTests(PostgresFixture postgres) : ConsoleTest(postgres)
{

    [Fact]
    public async Task A_signed_in_sre_joins_system_stats_and_receives_live_samples()
    {
        var (client, cookies) = await Console.SignInNewUserAsync("hub-sre", ConsoleRoles.Sre);
        client.Dispose();
        await using var hub = Connect(cookies);
        var samples = new List<LiveEventEnvelope>();
        var two = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<LiveEventEnvelope>("Event", envelope =>
        {
            lock (samples)
            {
                samples.Add(envelope);
                if (samples.Count >= 2)
                {
                    two.TrySetResult();
                }
            }
        });
        await hub.StartAsync();
        await hub.InvokeAsync("Join", SystemTopics.Stats.Name);

        await two.Task.WaitAsync(TimeSpan.FromSeconds(15));
        lock (samples)
        {
            Assert.All(samples, s => Assert.Equal(SystemTopics.Stats.Name, s.Topic));
            Assert.True(samples[1].Sequence > samples[0].Sequence);
            Assert.True(samples[0].Payload.GetProperty("uptime").GetString() is { Length: > 0 });
        }
    }

    [Fact]
    public async Task A_viewer_may_connect_but_not_join_the_system_topic()
    {
        var (client, cookies) = await Console.SignInNewUserAsync("hub-viewer", ConsoleRoles.Viewer);
        client.Dispose();
        await using var hub = Connect(cookies);
        await hub.StartAsync();
        var denied = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Join", SystemTopics.Stats.Name));
        Assert.Contains("Not allowed", denied.Message, StringComparison.Ordinal);
        var unknown = await Assert.ThrowsAsync<HubException>(() => hub.InvokeAsync("Join", "no.such.topic"));
        Assert.Contains("Unknown topic", unknown.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_api_token_authenticates_the_hub_like_the_api()
    {
        await Console.CreateUserAsync("hub-token", ConsoleRoles.OnCall);
        string secret;
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            var user = await scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<ConsoleUser>>().FindByNameAsync("hub-token");
            secret = (await scope.ServiceProvider.GetRequiredService<OpsConsole.Core.Identity.ApiTokens.ApiTokenService>()
                .CreateAsync(user!, "hub", TimeSpan.FromHours(1), null)).Secret;
        }

        await using var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(Console.BaseAddress, "/hubs/live"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(secret))
            .Build();
        var received = new TaskCompletionSource<LiveEventEnvelope>(TaskCreationOptions.RunContinuationsAsynchronously);
        hub.On<LiveEventEnvelope>("Event", e => received.TrySetResult(e));
        await hub.StartAsync();
        await hub.InvokeAsync("Join", SystemTopics.Stats.Name);
        Assert.Equal(SystemTopics.Stats.Name, (await received.Task.WaitAsync(TimeSpan.FromSeconds(15))).Topic);
    }

    [Fact]
    public async Task Anonymous_callers_are_refused_with_401()
    {
        using var client = Console.CreateClient();
        using var negotiate = await client.PostAsync(new Uri("/hubs/live/negotiate?negotiateVersion=1", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, negotiate.StatusCode);
    }

    private HubConnection Connect(CookieContainer cookies) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(Console.BaseAddress, "/hubs/live"), options => options.Cookies = cookies)
            .Build();
}
