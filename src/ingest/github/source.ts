// The inbox source name of GitHub webhook deliveries.
export const GITHUB = 'github';
