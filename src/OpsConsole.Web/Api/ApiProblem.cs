using Microsoft.AspNetCore.Mvc;
using OpsConsole.Core.Audit;

namespace OpsConsole.Web.Api;

/// <summary>RFC 9457 problem+json for authentication and authorization failures on machine endpoints.</summary>
public static class ApiProblem
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = new ProblemDetails
            {
                Status = status,
                Title = title,
                Detail = detail,
                Extensions = { ["correlationId"] = context.TraceIdentifier },
            },
        });
    }

    /// <summary>422 naming the field, so a caller knows what to fix (the /api/v1 contract for bad input).</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Invalid(string field, string message) =>
        TypedResults.Problem(
            title: "The request cannot be carried out",
            detail: message,
            statusCode: StatusCodes.Status422UnprocessableEntity,
            extensions: new Dictionary<string, object?> { ["field"] = field });

    public static async Task UnauthorizedAsync(HttpContext context, string detail)
    {
        await RecordDenialAsync(context, "unauthenticated", detail);
        await WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);
    }

    public static async Task ForbiddenAsync(HttpContext context)
    {
        await RecordDenialAsync(context, "forbidden", "roles do not allow the operation");
        await WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "Your roles do not allow this operation.");
    }

    /// <summary>Denials are audit events too (issue 4 makes the record durable); the target is the method and path.</summary>
    public static Task RecordDenialAsync(HttpContext context, string kind, string reason)
    {
        ArgumentNullException.ThrowIfNull(context);
        var audit = context.RequestServices.GetRequiredService<IAuditTrail>();
        return audit.RecordAsync(new AuditEntry(
            context.User,
            $"access.{kind}",
            "endpoint",
            $"{context.Request.Method} {context.Request.Path}",
            "denied",
            new Dictionary<string, string?>
            {
                ["reason"] = reason,
                ["clientIp"] = context.Connection.RemoteIpAddress?.ToString(),
                ["correlationId"] = context.TraceIdentifier,
            }));
    }
}
