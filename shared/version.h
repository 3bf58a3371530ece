/*
 * version.h - the one place the service's version is written.
 */
#ifndef EXECUTIONER_VERSION_H
#define EXECUTIONER_VERSION_H

#define EXECUTIONER_VERSION "0.1.0"

#endif
