using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;
using OpsConsole.Core.Data;

namespace OpsConsole.Web.Hosting;

/// <summary>
/// Refuses, for every endpoint at once, input holding text PostgreSQL cannot store (<see cref="PostgresText"/>):
/// the path, route values, the query string, form fields and every string of a JSON body. The answer is a 422
/// problem naming the field, before authentication, so not even a denial's audit record carries the text. Without it
/// a NUL reached PostgreSQL from nine endpoints (a 500 or 503) and stalled the audit writer.
/// </summary>
public sealed class StorableTextMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!ConsoleHostExtensions.IsLongLivedConnection(context.Request.Path)
            && await FindAsync(context.Request) is { } found)
        {
            await WriteProblemAsync(context, found.Field, found.Problem);
            return;
        }

        await next(context);
    }

    internal static async Task<(string Field, string Problem)?> FindAsync(HttpRequest request)
    {
        if (PostgresText.Problem(request.Path.Value) is { } pathProblem)
        {
            return ("path", pathProblem);
        }

        foreach (var (key, value) in request.RouteValues)
        {
            if (value is string text && PostgresText.Problem(text) is { } problem)
            {
                return (key, problem);
            }
        }

        if (Find(request.Query.Select(q => (q.Key, q.Value))) is { } inQuery)
        {
            return inQuery;
        }

        if (request.HasFormContentType)
        {
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            return Find(form.Select(f => (f.Key, f.Value)));
        }

        if (IsJson(request.ContentType) && request.Body.CanRead)
        {
            // The endpoint's own body limit must hold before this reads the body for it (over it: 413 by the exception handler).
            if (request.HttpContext.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>()?.MaxRequestBodySize is { } max
                && request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = max;
            }

            request.EnableBuffering();
            var body = await ReadAsync(request.Body, request.HttpContext.RequestAborted);
            request.Body.Position = 0;
            return FindInJson(body);
        }

        return null;
    }

    private static (string Field, string Problem)? Find(IEnumerable<(string Key, Microsoft.Extensions.Primitives.StringValues Values)> pairs)
    {
        foreach (var (key, values) in pairs)
        {
            if (PostgresText.Problem(key) is { } keyProblem)
            {
                return ("query", $"has a parameter name that {keyProblem}");
            }

            foreach (var value in values)
            {
                if (PostgresText.Problem(value) is { } problem)
                {
                    return (key, problem);
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The first string (value or property name) of <paramref name="json"/> that cannot be stored, with its path
    /// (<c>labels.team</c>, <c>alerts[0].labels.job</c>). Malformed JSON is left to the endpoint's own 400.
    /// </summary>
    internal static (string Field, string Problem)? FindInJson(ReadOnlySpan<byte> json)
    {
        // Only an escape can carry a NUL or a lone surrogate (the reader checks unescaped text), so a body without a
        // backslash needs no walk: most bodies, and the walk's strings were a tenth of a sign API call (keys harness).
        if (!json.Contains((byte)'\\'))
        {
            return null;
        }

        // Each open container with how it is named in its parent; Index counts an array's items so far.
        var frames = new List<(bool IsArray, int Index, string Segment)>();
        string? property = null;
        string Field(string? name) => string.Concat(frames.Select(f => f.Segment)) + Segment(name) is { Length: > 0 } field ? field : "body";
        string Segment(string? name) => frames.Count == 0 ? ""
            : frames[^1].IsArray ? $"[{frames[^1].Index}]"
            : (frames.Count == 1 ? "" : ".") + PostgresText.Storable(name);

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject or JsonTokenType.StartArray:
                        frames.Add((reader.TokenType == JsonTokenType.StartArray, 0, Segment(property)));
                        continue;
                    case JsonTokenType.PropertyName:
                        property = Text(ref reader, out var nameProblem);
                        if (nameProblem is not null)
                        {
                            return (Field(property), $"has a property name that {nameProblem}");
                        }

                        continue;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray:
                        frames.RemoveAt(frames.Count - 1);
                        break;
                    case JsonTokenType.String:
                        _ = Text(ref reader, out var problem);
                        if (problem is not null)
                        {
                            return (Field(property), problem);
                        }

                        break;
                }

                // A value ended: the next item of an array has the next index.
                if (frames.Count > 0 && frames[^1].IsArray)
                {
                    frames[^1] = (true, frames[^1].Index + 1, frames[^1].Segment);
                }
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    private static string Text(ref Utf8JsonReader reader, out string? problem)
    {
        problem = null;
        if (!reader.ValueIsEscaped)
        {
            return reader.GetString() ?? ""; // unescaped JSON text is valid UTF-8 without NUL: the reader checked it
        }

        try
        {
            var text = reader.GetString() ?? "";
            problem = PostgresText.Problem(text);
            return text;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses an escaped lone surrogate ("\ud800") when it unescapes the string.
            problem = "contains an unpaired surrogate escape, which is not valid Unicode text";
            return Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan);
        }
    }

    private static bool IsJson(string? contentType) =>
        contentType is not null
        && (contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase)
            || contentType.Contains("+json", StringComparison.OrdinalIgnoreCase));

    private static async Task<byte[]> ReadAsync(Stream body, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    private static Task WriteProblemAsync(HttpContext context, string field, string problem)
    {
        context.Response.StatusCode = StatusCodes.Status422UnprocessableEntity;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status422UnprocessableEntity,
                Title = "The request cannot be carried out",
                Detail = $"'{PostgresText.Storable(field)}' {problem}.",
                Extensions = { ["field"] = PostgresText.Storable(field), ["correlationId"] = context.TraceIdentifier },
            },
        }).AsTask();
    }
}

/// <summary>An endpoint's request body limit (minimal APIs have no attribute of their own for it); honoured before any middleware reads the body.</summary>
public sealed record BodySizeLimit(long? MaxRequestBodySize) : IRequestSizeLimitMetadata;
