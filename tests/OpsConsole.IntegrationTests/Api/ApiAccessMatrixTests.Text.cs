using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using OpsConsole.Core.Access;
using OpsConsole.Core.Audit;
using OpsConsole.IntegrationTests.Infrastructure;

namespace OpsConsole.IntegrationTests.Api;

/// <summary>
/// Text PostgreSQL cannot store (U+0000, a lone surrogate) in any input of any operation: every query parameter the
/// OpenAPI document lists, every path parameter and every string of the matrix's valid JSON body. A 422 naming the
/// field, never a 500/503, and the audit writer keeps writing.
/// </summary>
public sealed partial class ApiAccessMatrixTests
{
    [Fact]
    public async Task Text_postgres_cannot_store_is_refused_on_every_operation_with_a_422_naming_the_field()
    {
        var operations = await OperationInputsAsync();
        var (tokens, context) = await ArrangeAsync();
        using var client = Console.CreateClient();
        var surprises = new List<string>();
        var probes = 0;
        foreach (var (operation, pathTemplate, queryNames) in operations)
        {
            var build = Matrix[operation].Build;
            var variants = new List<(string What, string? Field, Func<HttpRequestMessage> Make)>();
            foreach (var name in queryNames)
            {
                variants.Add(($"query {name}", name, () => WithQuery(build(context), name, "x\0y")));
            }

            var segments = pathTemplate.Split('/');
            for (var i = 0; i < segments.Length; i++)
            {
                if (segments[i].StartsWith('{'))
                {
                    var index = i;
                    variants.Add(($"path {segments[i]}", null, () => WithSegment(build(context), index, "%00")));
                }
            }

            using (var probe = build(context))
            {
                if (probe.Content is not null && await JsonBodyAsync(probe) is { } body)
                {
                    foreach (var leaf in StringLeaves(body))
                    {
                        var path = leaf;
                        variants.Add(($"body {path}", path, () => WithBody(build(context), body, path, "\\u0000")));
                        variants.Add(($"body {path} (lone surrogate)", path, () => WithBody(build(context), body, path, "\\ud800")));
                    }
                }
            }

            foreach (var (what, field, make) in variants)
            {
                probes++;
                context.CallerSessionId = await NewSessionAsync("matrix-admin");
                using var request = make();
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[ConsoleRoles.Admin]);
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (field is null)
                {
                    // A path parameter: Kestrel may refuse the target itself (400); past it, the middleware names it (422).
                    if (response.StatusCode is not (HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity))
                    {
                        surprises.Add($"{operation} {what}: expected 400 or 422, got {(int)response.StatusCode} {text}");
                    }

                    continue;
                }

                if (response.StatusCode != HttpStatusCode.UnprocessableEntity
                    || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                {
                    surprises.Add($"{operation} {what}: expected a 422 problem, got {(int)response.StatusCode} {text}");
                    continue;
                }

                using var problem = JsonDocument.Parse(text);
                var named = problem.RootElement.TryGetProperty("field", out var f) ? f.GetString() : null;
                if (!string.Equals(named, field, StringComparison.Ordinal))
                {
                    surprises.Add($"{operation} {what}: the problem names '{named}', expected '{field}'");
                }
            }
        }

        Assert.True(surprises.Count == 0, string.Join(Environment.NewLine, surprises));
        Assert.True(probes >= 40, $"only {probes} probes: the OpenAPI document or the matrix lost its inputs");

        // The audit writer was never handed the text: a record written now reaches the log at once, the chain intact.
        await using (var scope = Console.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IAuditTrail>().RecordAsync(
                new AuditEntry(AuditActors.System, "backups.text_probe_done", "backup", "matrix", AuditOutcome.Succeeded));
        }

        await AuditLog.WaitForAsync(Postgres.SharedConnectionString, "action = 'backups.text_probe_done'");
        await AuditLog.AssertChainIntactAsync(Postgres.SharedConnectionString);
    }

    /// <summary>Each operation with its path template and the query parameters its OpenAPI entry lists.</summary>
    private async Task<List<(string Operation, string PathTemplate, List<string> QueryNames)>> OperationInputsAsync()
    {
        using var client = Console.CreateClient();
        using var document = JsonDocument.Parse(await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)));
        var result = new List<(string, string, List<string>)>();
        foreach (var path in document.RootElement.GetProperty("paths").EnumerateObject())
        {
            foreach (var method in path.Value.EnumerateObject())
            {
                var query = new List<string>();
                if (method.Value.TryGetProperty("parameters", out var parameters))
                {
                    query.AddRange(parameters.EnumerateArray()
                        .Where(p => p.GetProperty("in").GetString() == "query")
                        .Select(p => p.GetProperty("name").GetString()!));
                }

                result.Add(($"{method.Name.ToUpperInvariant()} {path.Name}", path.Name, query));
            }
        }

        return result;
    }

    private static HttpRequestMessage WithQuery(HttpRequestMessage request, string name, string value)
    {
        var uri = request.RequestUri!.OriginalString;
        var (path, query) = uri.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? (uri[..q], uri[(q + 1)..]) : (uri, "");
        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => !string.Equals(Uri.UnescapeDataString(p.Split('=')[0]), name, StringComparison.Ordinal))
            .Append($"{Uri.EscapeDataString(name)}={Uri.EscapeDataString(value)}");
        request.RequestUri = new Uri($"{path}?{string.Join('&', pairs)}", UriKind.Relative);
        return request;
    }

    private static HttpRequestMessage WithSegment(HttpRequestMessage request, int index, string escaped)
    {
        var uri = request.RequestUri!.OriginalString;
        var (path, query) = uri.IndexOf('?', StringComparison.Ordinal) is var q and >= 0 ? (uri[..q], uri[q..]) : (uri, "");
        var segments = path.Split('/');
        segments[index] = escaped;
        request.RequestUri = new Uri(string.Join('/', segments) + query, UriKind.Relative);
        return request;
    }

    /// <param name="escape">JSON escape text appended to the string, as a hostile client would send it (the serializer refuses to write a lone surrogate).</param>
    private static HttpRequestMessage WithBody(HttpRequestMessage request, JsonNode body, string path, string escape)
    {
        const string Marker = "TEXTPROBEMARKER";
        var copy = body.DeepClone();
        var leaf = StringLeafNodes(copy).Single(n => n.GetPath() == "$." + path);
        leaf.ReplaceWith(JsonValue.Create(leaf.GetValue<string>() + Marker));
        var json = copy.ToJsonString().Replace(Marker, escape, StringComparison.Ordinal);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return request;
    }

    private static async Task<JsonNode?> JsonBodyAsync(HttpRequestMessage request)
    {
        var text = await request.Content!.ReadAsStringAsync();
        try
        {
            return JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static IEnumerable<string> StringLeaves(JsonNode body) => StringLeafNodes(body).Select(n => n.GetPath()[2..]).ToList();

    private static IEnumerable<JsonNode> StringLeafNodes(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (_, child) in obj)
                {
                    foreach (var leaf in child is null ? [] : StringLeafNodes(child))
                    {
                        yield return leaf;
                    }
                }

                break;
            case JsonArray array:
                foreach (var child in array)
                {
                    foreach (var leaf in child is null ? [] : StringLeafNodes(child))
                    {
                        yield return leaf;
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                yield return value;
                break;
        }
    }
}
