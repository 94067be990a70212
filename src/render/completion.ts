/** `herdctl completion <shell>`: the script itself, to be sourced. */
export const completionView = (d: { script: string }): string => d.script.trimEnd();
