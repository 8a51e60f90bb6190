/*
 * jget FILE PATH - prints the value at PATH (keys joined by '.') of a JSON
 * file: strings bare, numbers as integers when whole, other values as JSON.
 * Exit 1 when the file does not parse or PATH is absent. For shell tests,
 * which must not need python or jq on a fresh machine.
 */
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
main(int argc, char **argv)
{
	FILE *f;
	char *buf, *path, *key;
	long len;
	cJSON *root, *node;

	if (argc != 3 || (f = fopen(argv[1], "rb")) == NULL)
		return 2;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	if (buf == NULL || fread(buf, 1, (size_t)len, f) != (size_t)len)
		return 2;
	fclose(f);
	root = cJSON_Parse(buf);
	if (root == NULL)
		return 1;
	node = root;
	path = argv[2];
	for (key = strtok(path, "."); key != NULL && node != NULL; key = strtok(NULL, "."))
		node = cJSON_IsArray(node) ? cJSON_GetArrayItem(node, atoi(key))
		    : cJSON_GetObjectItemCaseSensitive(node, key);
	if (node == NULL)
		return 1;
	if (cJSON_IsString(node))
		puts(node->valuestring);
	else if (cJSON_IsNumber(node) && node->valuedouble == (double)(long long)node->valuedouble)
		printf("%lld\n", (long long)node->valuedouble);
	else {
		char *s = cJSON_PrintUnformatted(node);
		puts(s);
		free(s);
	}
	cJSON_Delete(root);
	free(buf);
	return 0;
}
