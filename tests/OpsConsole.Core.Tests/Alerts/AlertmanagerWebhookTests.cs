using System.Text;
using Microsoft.Extensions.Options;
using OpsConsole.Core.Alerts;

namespace OpsConsole.Core.Tests.Alerts;

public sealed class AlertmanagerWebhookTests
{
    // As Alertmanager 0.25 sends it (notify/webhook): a firing alert's endsAt is the zero time.
    private const string Payload = """
        {
          "receiver": "console",
          "status": "firing",
          "alerts": [
            {
              "status": "firing",
              "labels": { "alertname": "Test", "job": "sampleshop", "severity": "critical", "summary": "hé" },
              "annotations": { "description": "it broke" },
              "startsAt": "2026-11-23T07:25:03.607Z",
              "endsAt": "0001-01-01T00:00:00Z",
              "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
              "fingerprint": "d2fc00eee6a64fed"
            },
            {
              "status": "resolved",
              "labels": { "alertname": "Old", "job": "sampleshop" },
              "annotations": {},
              "startsAt": "2026-11-23T06:00:00+01:00",
              "endsAt": "2026-11-23T07:00:00Z",
              "generatorURL": "",
              "fingerprint": ""
            }
          ],
          "groupLabels": { "alertname": "Test" },
          "commonLabels": { "job": "sampleshop" },
          "commonAnnotations": {},
          "externalURL": "http://alertmanager:9093",
          "version": "4",
          "groupKey": "{}:{alertname=\"Test\"}",
          "truncatedAlerts": 0
        }
        """;

    [Fact]
    public void A_version_4_notification_is_read_field_by_field()
    {
        var message = AlertmanagerPayload.Parse(Encoding.UTF8.GetBytes(Payload));

        Assert.Equal(("4", "console", "firing", "http://alertmanager:9093"), (message.Version, message.Receiver, message.Status, message.ExternalUrl));
        Assert.Equal("{}:{alertname=\"Test\"}", message.GroupKey);
        Assert.Equal(2, message.Alerts.Count);
        Assert.Equal("hé", message.Alerts[0].Labels["summary"]);
        Assert.Equal(AlertmanagerPayload.NoTime, message.Alerts[0].EndsAt);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 5, 0, 0, TimeSpan.Zero), message.Alerts[1].StartsAt);
    }

    [Fact]
    public void Alerts_become_instances_with_the_fingerprint_Alertmanager_computed()
    {
        var message = AlertmanagerPayload.Parse(Encoding.UTF8.GetBytes(Payload));
        var now = new DateTimeOffset(2026, 11, 23, 8, 0, 0, TimeSpan.Zero);

        var alerts = AlertmanagerPayload.ToInstances(message, now);

        var firing = alerts[0];
        Assert.Equal((AlertSource.Alertmanager, AlertState.Firing), (firing.Source, firing.State));
        Assert.Equal(message.Alerts[0].Fingerprint, firing.Fingerprint);
        Assert.Equal(message.Alerts[0].StartsAt, firing.ActiveAt);
        Assert.Null(firing.ResolvedAt);
        Assert.Equal("http://prometheus:9090/graph?g0.expr=up", firing.GeneratorUrl);
        Assert.Contains("http://alertmanager:9093", firing.Origin, StringComparison.Ordinal);
        var resolved = alerts[1];
        Assert.Equal(AlertState.Resolved, resolved.State);
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 7, 0, 0, TimeSpan.Zero), resolved.ResolvedAt);
        Assert.Null(resolved.GeneratorUrl);
    }

    [Theory]
    [InlineData("", true, "body")]
    [InlineData("{\"version\": \"4\",", true, "body")]
    [InlineData("<xml/>", true, "body")]
    [InlineData("[]", false, "body")]
    [InlineData("{\"status\":\"firing\",\"alerts\":[]}", false, "version")]
    [InlineData("{\"version\":\"3\",\"status\":\"firing\",\"alerts\":[]}", false, "version")]
    [InlineData("{\"version\":4,\"status\":\"firing\",\"alerts\":[]}", false, "version")]
    [InlineData("{\"version\":\"4\",\"status\":\"burning\",\"alerts\":[]}", false, "status")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\"}", false, "alerts")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", false, "alerts[0].labels")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"job\":\"x\"},\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", false, "alerts[0].labels.alertname")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"\"},\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", false, "alerts[0].labels.alertname")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\",\"n\":1},\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", false, "alerts[0].labels.n")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"}}]}", false, "alerts[0].startsAt")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"firing\",\"labels\":{\"alertname\":\"A\"},\"startsAt\":\"yesterday\"}]}", false, "alerts[0].startsAt")]
    [InlineData("{\"version\":\"4\",\"status\":\"firing\",\"alerts\":[{\"status\":\"gone\",\"labels\":{\"alertname\":\"A\"},\"startsAt\":\"2026-01-01T00:00:00Z\"}]}", false, "alerts[0].status")]
    public void A_bad_body_is_refused_naming_the_field(string body, bool notJson, string field)
    {
        var ex = Assert.Throws<AlertmanagerPayloadException>(() => AlertmanagerPayload.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal((notJson, field), (ex.NotJson, ex.Field));
    }

    [Fact]
    public void Sender_tokens_are_matched_whole_and_name_their_sender()
    {
        var senders = new AlertmanagerSenders(Options.Create(new AlertStoreOptions
        {
            Alertmanager = { BearerTokens = { ["prod"] = "prod-token-0123456789", ["staging"] = "staging-token-0123456789" } },
        }));

        Assert.Equal("prod", senders.Match("prod-token-0123456789"));
        Assert.Equal("staging", senders.Match("staging-token-0123456789"));
        Assert.Null(senders.Match("prod-token-012345678"));
        Assert.Null(senders.Match("prod-token-0123456789x"));
        Assert.Null(senders.Match(""));
        Assert.Null(senders.Match(null));
        var principal = AlertmanagerSenders.PrincipalFor("prod");
        Assert.True(AlertmanagerSenders.IsSender(principal));
        Assert.Equal("alertmanager:prod", principal.Identity!.Name);
        Assert.False(AlertmanagerSenders.IsSender(new System.Security.Claims.ClaimsPrincipal(new System.Security.Claims.ClaimsIdentity([
            new System.Security.Claims.Claim(AlertmanagerSenders.SenderClaim, "prod")], "forged"))));
    }
}
