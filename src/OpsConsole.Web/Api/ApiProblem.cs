using Microsoft.AspNetCore.Mvc;

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

    public static Task UnauthorizedAsync(HttpContext context, string detail) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", detail);

    public static Task ForbiddenAsync(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "Your roles do not allow this operation.");
}
